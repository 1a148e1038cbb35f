"""What the installed package says of itself: its extras and its help."""

from __future__ import annotations

import pydoc
from importlib import metadata

import mwauth


def test_the_requests_extra_is_declared() -> None:
    meta = metadata.metadata("mwauth")
    assert "requests" in (meta.get_all("Provides-Extra") or [])
    requires = metadata.requires("mwauth") or []
    # "requests>=2.25 ; extra == 'requests'" (the quotes are the builder's).
    marked = [r.split(";", 1) for r in requires if ";" in r]
    assert any(
        name.strip().startswith("requests") and "extra" in marker and "requests" in marker
        for name, marker in marked
    ), requires


def test_help_of_session_shows_an_example() -> None:
    text = pydoc.render_doc(mwauth.Session, renderer=pydoc.plaintext)
    assert "Example" in text
    assert 's.login("MyBot@tool", "bot-password")' in text
    assert "logout" in text
