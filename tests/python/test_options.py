"""The one options type of the three session classes: the same names, a
typed error naming a bad value, Python's own TypeError for an unknown name."""

from __future__ import annotations

from typing import Any, Callable

import pytest

import mwauth
from conftest import UA

URL = "http://127.0.0.1:9/w/api.php"

MAKERS: list[tuple[str, Callable[..., Any]]] = [
    ("Session", lambda **kw: mwauth.Session(URL, **kw)),
    ("AsyncSession", lambda **kw: mwauth.AsyncSession(URL, **kw)),
    ("SansIOSession", lambda **kw: mwauth.SansIOSession(URL, **kw)),
]


@pytest.mark.parametrize("name,make", MAKERS)
@pytest.mark.parametrize(
    "option,value",
    [
        ("maxlag", -1),
        ("maxlag", 2**40),
        ("maxlag", "5"),
        ("max_retries", -3),
        ("assert_user", "yes"),
        ("relogin", 1.5),
        ("allow_anonymous", None),
        ("user_agent", 42),
    ],
)
def test_a_bad_option_value_is_invalid_input_naming_it(
    name: str, make: Callable[..., Any], option: str, value: Any
) -> None:
    with pytest.raises(mwauth.InvalidInputError) as info:
        make(user_agent=UA, **{option: value}) if option != "user_agent" else make(user_agent=value)
    assert option in str(info.value), f"{name}: {info.value}"


@pytest.mark.parametrize("name,make", MAKERS)
def test_an_unknown_option_is_a_type_error(name: str, make: Callable[..., Any]) -> None:
    with pytest.raises(TypeError, match="unexpected keyword argument 'maxlagg'"):
        make(user_agent=UA, maxlagg=5)


@pytest.mark.parametrize("name,make", MAKERS)
def test_the_protocol_options_are_the_same_for_every_class(
    name: str, make: Callable[..., Any]
) -> None:
    session = make(
        user_agent=UA, maxlag=None, assert_user=False, relogin=False, max_retries=0, allow_anonymous=True
    )
    assert session.api_url == URL


def test_the_sans_io_session_refuses_driver_options_by_name() -> None:
    for option, value in [("timeout", 5.0), ("connect_timeout", 1.0), ("max_body_bytes", 10), ("bearer_token", "x"), ("ca_file", "/tmp/ca.pem")]:
        with pytest.raises(TypeError, match=f"'{option}'.*driver"):
            mwauth.SansIOSession(URL, user_agent=UA, **{option: value})


def test_a_bad_timeout_is_invalid_input() -> None:
    for option in ["timeout", "connect_timeout"]:
        for value in [0, -1.0, "soon"]:
            with pytest.raises(mwauth.InvalidInputError, match=option):
                mwauth.Session(URL, user_agent=UA, **{option: value})


def test_call_keywords_are_checked_like_a_python_signature() -> None:
    """`call`/`post`/a foreign `call` read their keywords in one place: an
    unknown or misplaced name and a value of the wrong type are TypeErrors
    raised before anything is sent (the URL here answers nothing)."""
    s = mwauth.Session(URL, user_agent=UA)
    sansio = mwauth.SansIOSession(URL, user_agent=UA)
    calls: list[Callable[..., Any]] = [s.call, s.post, sansio.call]
    for call in calls:
        with pytest.raises(TypeError, match="unexpected keyword argument 'tokentype'"):
            call("edit", {}, tokentype="csrf")
        with pytest.raises(TypeError, match="argument 'token_type' must be a str or None"):
            call("edit", {}, token_type=1)
        with pytest.raises(TypeError, match="argument 'allow_anonymous' must be a bool"):
            call("edit", {}, allow_anonymous="yes")
    with pytest.raises(TypeError, match=r"unexpected keyword argument 'method' \(post\(\) always POSTs\)"):
        s.post("edit", {}, method="GET")  # type: ignore[call-arg]
    with pytest.raises(TypeError, match="argument 'method' must be a str"):
        s.call("query", {}, method=None)  # type: ignore[arg-type]
    with pytest.raises(mwauth.InvalidInputError, match="method must be"):
        s.call("query", {}, method="PUT")
    for foreign in (s.foreign("http://127.0.0.1:9/other/api.php"), sansio.foreign("http://127.0.0.1:9/other/api.php")):
        with pytest.raises(TypeError, match="never writes anonymously"):
            foreign.call("edit", {}, allow_anonymous=True)  # type: ignore[call-arg]
