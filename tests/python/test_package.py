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


def test_every_error_and_warning_class_is_exported() -> None:
    """mwauth.errors.__all__ names every class of the module (a star import
    missed three), and mwauth.__all__ every one of them: the package repeats
    the list, because stubtest reads __all__ statically."""
    import inspect

    import mwauth.errors

    defined = {
        name
        for name, obj in vars(mwauth.errors).items()
        if inspect.isclass(obj)
        and obj.__module__ == "mwauth.errors"
        and issubclass(obj, (mwauth.MWError, mwauth.MWWarning))
    }
    assert defined == set(mwauth.errors.__all__)
    assert defined <= set(mwauth.__all__)
    assert all(getattr(mwauth, name) is getattr(mwauth.errors, name) for name in defined)
