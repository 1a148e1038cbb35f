"""The exception hierarchy and the mapping of every kind of failure."""

from __future__ import annotations

import builtins
import os
import pickle
import socket
import time
import warnings
from typing import Any

import pytest

import mwauth
from conftest import UA, Request, Wiki, json_reply, sansio_driver


def test_hierarchy() -> None:
    for cls in (
        mwauth.APIError,
        mwauth.LoginError,
        mwauth.SessionLostError,
        mwauth.TransportError,
        mwauth.DecodeError,
        mwauth.UnsupportedError,
        mwauth.InvalidInputError,
        mwauth.SessionFileError,
        mwauth.CentralAuthSessionError,
    ):
        assert issubclass(cls, mwauth.MWError)
    for cls in (
        mwauth.BadTokenError,
        mwauth.MaxLagError,
        mwauth.RateLimitedError,
        mwauth.ReadOnlyError,
        mwauth.AssertionFailedError,
    ):
        assert issubclass(cls, mwauth.APIError)
    assert issubclass(mwauth.TimeoutError, mwauth.TransportError)
    assert issubclass(mwauth.TimeoutError, builtins.TimeoutError)
    assert issubclass(mwauth.HTTPStatusError, mwauth.TransportError)
    assert issubclass(mwauth.DecodeError, ValueError)
    assert issubclass(mwauth.InvalidInputError, ValueError)
    assert issubclass(mwauth.MWDeprecationWarning, mwauth.MWWarning)
    assert issubclass(mwauth.MWDeprecationWarning, DeprecationWarning)
    assert issubclass(mwauth.MWWarning, UserWarning)


# ---- against the real wiki ----


def test_badtoken_after_logout(bot_session: mwauth.Session) -> None:
    token = bot_session.token("csrf")
    bot_session.logout()
    with pytest.raises(mwauth.BadTokenError) as info:
        bot_session.post("logout", {"token": token})
    e = info.value
    assert e.code == "badtoken" and e.info == "Invalid CSRF token."
    assert e.http_status == 200 and e.retry_after is None
    assert str(e) == "badtoken: Invalid CSRF token."
    back = pickle.loads(pickle.dumps(e))
    assert type(back) is mwauth.BadTokenError and back.code == "badtoken" and str(back) == str(e)


def test_badtoken_sansio(wiki: Wiki) -> None:
    s, driver = sansio_driver(wiki.api_url)
    driver.run(s.login(wiki.bot_user, wiki.bot_password))
    token = driver.run(s.token("csrf"))
    driver.run(s.logout())
    with pytest.raises(mwauth.BadTokenError):
        driver.run(s.call("logout", {"token": token}, method="POST"))


def test_mustpostparams(session: mwauth.Session) -> None:
    with pytest.raises(mwauth.APIError) as info:
        session.call("logout", {"token": "+\\"}, method="GET")
    assert type(info.value) is mwauth.APIError
    assert info.value.code == "mustpostparams"


def test_wrong_password_is_a_login_error(wiki: Wiki) -> None:
    with mwauth.Session(wiki.api_url, user_agent=UA) as s:
        with pytest.raises(mwauth.LoginError) as info:
            s.login(wiki.bot_user, "0123456789abcdefghijklmnopqrstuvwxyz")
    e = info.value
    assert e.result == "Failed"
    assert e.reason and "Incorrect username or password" in e.reason
    assert e.wait is None
    assert s.user is None


def test_wrong_password_sansio(wiki: Wiki) -> None:
    s, driver = sansio_driver(wiki.api_url)
    with pytest.raises(mwauth.LoginError) as info:
        driver.run(s.login(wiki.bot_user, "wrong"))
    assert info.value.result == "Failed"


def test_client_login_fail(wiki: Wiki) -> None:
    with mwauth.Session(wiki.api_url, user_agent=UA) as s:
        with pytest.raises(mwauth.LoginError) as info:
            s.client_login(wiki.main_user, "not the password at all")
    assert info.value.result == "FAIL"


def test_unknown_token_type_is_unsupported(session: mwauth.Session) -> None:
    with pytest.raises(mwauth.UnsupportedError):
        session.token("nosuchtype")
    with pytest.raises(mwauth.InvalidInputError):
        session.token("Not A Type")


def test_main_account_login_warns_deprecation(wiki: Wiki) -> None:
    with mwauth.Session(wiki.api_url, user_agent=UA) as s:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            user = s.login(wiki.main_user, wiki.main_password)  # this line
        assert user.name == wiki.main_user
    deprecations = [w for w in caught if issubclass(w.category, mwauth.MWDeprecationWarning)]
    assert deprecations, [str(w.message) for w in caught]
    w = deprecations[0]
    assert w.filename == __file__  # attributed to the caller, not to mwauth
    message = w.message
    assert isinstance(message, mwauth.MWDeprecationWarning)
    assert message.module == "login" and message.code == "deprecation"
    assert wiki.main_password not in str(message)


def test_sansio_driver_attributes_warnings_to_its_caller(wiki: Wiki) -> None:
    s, driver = sansio_driver(wiki.api_url)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        driver.run(s.login(wiki.main_user, wiki.main_password))
    assert any(issubclass(w.category, mwauth.MWDeprecationWarning) for w in caught)
    assert {w.filename for w in caught} == {__file__}
    driver.run(s.logout())


def test_warnings_can_be_errors(wiki: Wiki) -> None:
    with mwauth.Session(wiki.api_url, user_agent=UA) as s:
        with warnings.catch_warnings():
            warnings.simplefilter("error", mwauth.MWDeprecationWarning)
            with pytest.raises(mwauth.MWDeprecationWarning):
                s.login(wiki.main_user, wiki.main_password)


def test_session_file_errors(tmp_path: Any, wiki: Wiki, bot_session: mwauth.Session) -> None:
    with pytest.raises(mwauth.SessionFileError) as info:
        mwauth.Session.restore(tmp_path / "missing.json", wiki.api_url, user_agent=UA)
    assert info.value.path == str(tmp_path / "missing.json")
    bad = tmp_path / "bad.json"
    bad.write_text("{ not a session")
    os.chmod(bad, 0o600)
    with pytest.raises(mwauth.SessionFileError):
        mwauth.Session.restore(bad, wiki.api_url, user_agent=UA)
    good = tmp_path / "good.json"
    bot_session.save(good)
    assert oct(os.stat(good).st_mode & 0o777) == oct(0o600)
    with pytest.raises(mwauth.SessionFileError):  # another wiki
        mwauth.Session.restore(good, "http://127.0.0.1:9/api.php", user_agent=UA)
    with pytest.raises(mwauth.InvalidInputError):
        mwauth.Session.restore(good, wiki.api_url, user_agent=UA, username="only-a-name")
    resumed = mwauth.Session.restore(
        str(good), wiki.api_url, user_agent=UA, username=wiki.bot_user, password=wiki.bot_password
    )
    assert resumed.user == bot_session.user
    assert resumed.check_token("csrf", resumed.token("csrf")).valid


def test_invalid_configuration(wiki: Wiki) -> None:
    with pytest.raises(mwauth.InvalidInputError):
        mwauth.Session(wiki.api_url, user_agent="python-requests/2.31")
    with pytest.raises(mwauth.InvalidInputError):
        mwauth.Session(wiki.api_url, user_agent=UA, timeout=0)
    with pytest.raises(mwauth.InvalidInputError):
        mwauth.Session("ftp://example.org/api.php", user_agent=UA)


# ---- against loopback doubles ----


def test_html_is_a_decode_error(make_double: Any) -> None:
    page = b"<!DOCTYPE html><html><body>Wikimedia Error</body></html>"
    double = make_double(lambda req: (200, {"Content-Type": "text/html"}, page))
    with mwauth.Session(double.url, user_agent=UA) as s:
        with pytest.raises(mwauth.DecodeError) as info:
            s.call("query", {"meta": "siteinfo"})
    assert isinstance(info.value, ValueError)
    assert "text/html" in str(info.value)
    assert "Wikimedia Error" not in str(info.value)  # bodies are not echoed
    s2, driver = sansio_driver(double.url)
    with pytest.raises(mwauth.DecodeError):
        driver.run(s2.call("query"))


def test_429_is_an_http_status_error(make_double: Any) -> None:
    double = make_double(lambda req: (429, {"Content-Type": "text/plain", "Retry-After": "300"}, b"Too many"))
    with mwauth.Session(double.url, user_agent=UA) as s:
        with pytest.raises(mwauth.HTTPStatusError) as info:
            s.call("query")
    e = info.value
    assert e.status == 429 and e.retry_after == 300.0
    assert isinstance(e, mwauth.TransportError)
    assert double.count(action="query") == 1  # a wait over two minutes is not waited


def test_429_is_retried_after_a_short_wait(make_double: Any) -> None:
    answers = iter(
        [(429, {"Retry-After": "1"}, b""), json_reply({"batchcomplete": True, "query": {"pages": []}})]
    )
    double = make_double(lambda req: next(answers))
    with mwauth.Session(double.url, user_agent=UA) as s:
        started = time.monotonic()
        assert s.call("query")["batchcomplete"] is True
        assert time.monotonic() - started >= 0.9
    assert double.count(action="query") == 2


def maxlag_reply(req: Request) -> Any:
    return json_reply(
        {
            "errors": [
                {
                    "code": "maxlag",
                    "text": "Waiting for 10.64.16.7: 7 seconds lagged.",
                    "data": {"host": "10.64.16.7", "lag": 7, "type": "db"},
                    "module": "main",
                }
            ]
        },
        headers={"Retry-After": "500", "X-Database-Lag": "7"},
    )


def test_maxlag_with_retry_after(make_double: Any) -> None:
    double = make_double(maxlag_reply)
    with mwauth.Session(double.url, user_agent=UA) as s:
        with pytest.raises(mwauth.MaxLagError) as info:
            s.call("query", {"meta": "siteinfo"})
    e = info.value
    assert e.code == "maxlag" and e.retry_after == 500.0 and e.lag == 7.0
    assert e.data == {"host": "10.64.16.7", "lag": 7, "type": "db"}
    assert e.module == "main"
    assert double.requests[0].params["maxlag"] == "5"
    s2, driver = sansio_driver(double.url)
    with pytest.raises(mwauth.MaxLagError):
        driver.run(s2.call("query"))


def test_maxlag_lag_from_the_text_of_an_old_wiki(make_double: Any) -> None:
    """A bc-format maxlag (MediaWiki before 1.29) has no data: the lag is
    read from its text, by the one rule in the Rust core."""

    def old_maxlag(req: Request) -> Any:
        return json_reply(
            {"error": {"code": "maxlag", "info": "Waiting for db3: 12 seconds lagged."}},
            headers={"Retry-After": "500"},
        )

    double = make_double(old_maxlag)
    with mwauth.Session(double.url, user_agent=UA) as s:
        with pytest.raises(mwauth.MaxLagError) as info:
            s.call("query", {"meta": "siteinfo"})
    assert info.value.data is None
    assert info.value.lag == 12.0


@pytest.mark.parametrize(
    "code, cls",
    [
        ("ratelimited", mwauth.RateLimitedError),
        ("readonly", mwauth.ReadOnlyError),
        ("assertuserfailed", mwauth.AssertionFailedError),
        ("assertbotfailed", mwauth.AssertionFailedError),
        ("badtoken", mwauth.BadTokenError),
        ("missingparam", mwauth.APIError),
    ],
)
def test_api_error_classes(make_double: Any, code: str, cls: type) -> None:
    double = make_double(lambda req: json_reply({"errors": [{"code": code, "text": "no", "module": "edit"}]}))
    s, driver = sansio_driver(double.url, max_retries=0)
    with pytest.raises(cls) as info:
        driver.run(s.call("edit", {"title": "X"}, method="POST"))
    assert type(info.value) is cls
    assert info.value.code == code and info.value.module == "edit"


def test_timeout(make_double: Any) -> None:
    def slow(req: Request) -> Any:
        time.sleep(2)
        return json_reply({})

    double = make_double(slow)
    with mwauth.Session(double.url, user_agent=UA, timeout=0.3) as s:
        with pytest.raises(mwauth.TimeoutError) as info:
            s.call("query")
    assert isinstance(info.value, builtins.TimeoutError)


def test_connection_refused_is_a_transport_error() -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    with mwauth.Session(f"http://127.0.0.1:{port}/api.php", user_agent=UA) as s:
        with pytest.raises(mwauth.TransportError) as info:
            s.token("login")
    assert not isinstance(info.value, mwauth.HTTPStatusError)


def test_a_mapping_is_not_a_parameter_value(make_double: Any) -> None:
    # It used to go out as its first key ("titles=a").
    double = make_double(lambda req: json_reply({"batchcomplete": True}))
    with mwauth.Session(double.url, user_agent=UA) as s:
        with pytest.raises(mwauth.InvalidInputError, match='parameter "titles"'):
            s.call("query", {"titles": {"a": 1}})
        with pytest.raises(mwauth.InvalidInputError, match='parameter "titles"'):
            s.call("query", {"titles": ["A", {"b": 2}]})
    assert double.count(action="query") == 0
