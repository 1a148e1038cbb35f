"""Safe by default, from Python: no anonymous writes unless asked for, a
``with`` block that closes instead of logging out (so a session saved inside
it stays usable), one user-agent rule, and the new error classes."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

import mwauth
from conftest import UA, Wiki, json_reply, sansio_driver

# "Main Page" exists on a fresh wiki; the bot password may edit pages, not create them.
EDIT = {"title": "Main Page", "appendtext": "\nx", "summary": "mwauth test"}


def test_a_csrf_write_without_a_login_raises_and_sends_nothing(wiki: Wiki) -> None:
    with mwauth.Session(wiki.api_url, user_agent=UA) as s:
        with pytest.raises(mwauth.NotLoggedInError) as info:
            s.post("edit", EDIT, token_type="csrf")
    assert "allow_anonymous" in str(info.value)
    assert isinstance(info.value, mwauth.MWError)
    # The sans-IO session shows that nothing at all was sent.
    core, driver = sansio_driver(wiki.api_url)
    op = core.call("edit", EDIT, method="POST", token_type="csrf")
    assert core.poll_transmit() is None
    with pytest.raises(mwauth.NotLoggedInError):
        driver.run(op)


def test_a_csrf_write_after_logout_raises(wiki: Wiki) -> None:
    with mwauth.Session(wiki.api_url, user_agent=UA) as s:
        s.login(wiki.bot_user, wiki.bot_password)
        assert s.post("edit", EDIT, token_type="csrf")["edit"]["result"] == "Success"
        s.logout()
        with pytest.raises(mwauth.NotLoggedInError):
            s.post("edit", EDIT, token_type="csrf")


def test_anonymous_writes_go_out_only_when_asked_for(wiki: Wiki) -> None:
    with mwauth.Session(wiki.api_url, user_agent=UA) as s:
        done = s.post("edit", EDIT, token_type="csrf", allow_anonymous=True)
        assert done["edit"]["result"] == "Success"
    with mwauth.Session(wiki.api_url, user_agent=UA, allow_anonymous=True) as s:
        assert s.post("edit", EDIT, token_type="csrf")["edit"]["result"] == "Success"

    async def run() -> None:
        async with mwauth.AsyncSession(wiki.api_url, user_agent=UA) as a:
            with pytest.raises(mwauth.NotLoggedInError):
                await a.post("edit", EDIT, token_type="csrf")
            done = await a.post("edit", EDIT, token_type="csrf", allow_anonymous=True)
            assert done["edit"]["result"] == "Success"

    asyncio.run(run())


def test_a_session_saved_inside_a_with_block_stays_logged_in(wiki: Wiki, tmp_path: Any) -> None:
    path = tmp_path / "bot.json"
    with mwauth.Session(wiki.api_url, user_agent=UA) as s:
        s.login(wiki.bot_user, wiki.bot_password)
        s.save(path)
    # Leaving the block closed the session; it did not log out.
    with pytest.raises(mwauth.MWError, match="closed"):
        s.token("csrf")
    s.save(tmp_path / "again.json")  # saving still works
    resumed = mwauth.Session.restore(path, wiki.api_url, user_agent=UA)
    assert resumed.user is not None
    token = resumed.token("csrf")
    assert not token.is_anonymous
    assert resumed.check_token("csrf", token).result == "valid"
    assert resumed.post("edit", EDIT, token_type="csrf")["edit"]["result"] == "Success"
    resumed.logout()


def test_an_async_session_saved_inside_its_block_stays_logged_in(wiki: Wiki, tmp_path: Any) -> None:
    path = tmp_path / "bot.json"

    async def run() -> None:
        async with mwauth.AsyncSession(wiki.api_url, user_agent=UA) as s:
            await s.login(wiki.bot_user, wiki.bot_password)
            await s.save(path)
        with pytest.raises(mwauth.MWError, match="closed"):
            await s.token("csrf")
        resumed = mwauth.AsyncSession.restore(path, wiki.api_url, user_agent=UA)
        token = await resumed.token("csrf")
        assert not token.is_anonymous
        await resumed.logout()

    asyncio.run(run())


def test_a_user_agent_is_required_everywhere(wiki: Wiki) -> None:
    for make in (mwauth.Session, mwauth.AsyncSession, mwauth.SansIOSession):
        with pytest.raises(mwauth.InvalidInputError, match="user agent"):
            make(wiki.api_url)
        with pytest.raises(mwauth.InvalidInputError, match="generic"):
            make(wiki.api_url, user_agent="python-requests/2.31.0")


def test_the_new_error_classes() -> None:
    assert issubclass(mwauth.NotLoggedInError, mwauth.MWError)
    assert issubclass(mwauth.MaybeAppliedError, mwauth.HTTPStatusError)
    assert issubclass(mwauth.NotAPIError, mwauth.DecodeError)


def test_a_post_answered_502_is_not_sent_again(make_double: Any) -> None:
    def handler(req: Any) -> Any:
        if req.params.get("meta") == "tokens":
            return json_reply({"query": {"tokens": {"csrftoken": "+\\"}}})
        return 502, {"Content-Type": "text/html", "Retry-After": "0"}, b"<html>Bad Gateway</html>"

    double = make_double(handler)
    with mwauth.Session(double.url, user_agent=UA, allow_anonymous=True) as s:
        with pytest.raises(mwauth.MaybeAppliedError) as info:
            s.post("edit", EDIT, token_type="csrf")
    assert info.value.status == 502
    assert info.value.url == double.url
    assert "may or may not have been applied" in str(info.value)
    assert double.count(action="edit") == 1


def test_an_html_page_names_the_url(make_double: Any) -> None:
    double = make_double(lambda req: (200, {"Content-Type": "text/html"}, b"<html>Main Page</html>"))
    with mwauth.Session(double.url, user_agent=UA) as s:
        with pytest.raises(mwauth.NotAPIError) as info:
            s.call("query")
    assert info.value.url == double.url
    assert "api.php?" in str(info.value)


def test_server_text_quoting_the_password_is_redacted_everywhere(make_double: Any) -> None:
    password = "0123456789abcdefghijklmnopqrstuv"

    def handler(req: Any) -> Any:
        if req.params.get("meta") == "tokens":
            return json_reply({"query": {"tokens": {"logintoken": "9ed1499d99c0c34c73faa07157b3b6076b021573+\\"}}})
        sent = req.params.get("lgpassword", "")
        return json_reply(
            {
                "warnings": [{"code": "echo", "text": f"you sent {sent}", "module": "login"}],
                "login": {"result": "Failed", "reason": f'The password "{sent}" is wrong'},
            }
        )

    double = make_double(handler)
    import warnings

    with mwauth.Session(double.url, user_agent=UA) as s:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            with pytest.raises(mwauth.LoginError) as info:
                s.login("Bot@app", password)
    e = info.value
    shown = " ".join([str(e), repr(e), repr(e.args), str(e.reason), repr(e.__dict__)])
    shown += " ".join(str(w.message) for w in caught)
    assert password not in shown
    assert "<redacted>" in shown
