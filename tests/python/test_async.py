"""asyncio: many concurrent operations on one session; the sync session
releases the GIL."""

from __future__ import annotations

import asyncio
import sys
import threading
import time
import warnings
from typing import Any, List, Tuple

import pytest

import mwauth
from conftest import UA, Request, Wiki, json_reply

CSRF = "0123456789abcdef0123456789abcdef6543210f+\\"


def counting_wiki(req: Request) -> Any:
    """Anonymous csrf tokens, userinfo, and a purge that needs the token."""
    action = req.params.get("action")
    if action == "query" and req.params.get("meta") == "tokens":
        time.sleep(0.05)  # let the concurrent callers pile up
        return json_reply({"batchcomplete": True, "query": {"tokens": {"csrftoken": CSRF}}})
    if action == "query":
        return json_reply({"batchcomplete": True, "query": {"userinfo": {"id": 0, "name": "127.0.0.1", "anon": True}}})
    if action == "purge":
        if req.params.get("token") != CSRF:
            return json_reply({"errors": [{"code": "badtoken", "text": "Invalid CSRF token."}]})
        return json_reply({"batchcomplete": True, "purge": [{"title": req.params["titles"], "purged": True}]})
    return json_reply({"errors": [{"code": "badvalue", "text": "?"}]})


def test_200_concurrent_tokens_make_one_request(make_double: Any) -> None:
    double = make_double(counting_wiki)

    async def main() -> List[mwauth.Token]:
        async with mwauth.AsyncSession(double.url, user_agent=UA) as s:
            return await asyncio.gather(*(s.token("csrf") for _ in range(200)))

    tokens = asyncio.run(main())
    assert len(tokens) == 200 and all(t == tokens[0] for t in tokens)
    assert tokens[0].secret() == CSRF
    assert double.count(action="query", meta="tokens") == 1


def test_200_concurrent_calls_share_the_token(make_double: Any) -> None:
    double = make_double(counting_wiki)

    async def main() -> List[mwauth.Response]:
        # Token mechanics on a double without a login: the anonymous write
        # is opted in (it is refused by default).
        async with mwauth.AsyncSession(double.url, user_agent=UA, allow_anonymous=True) as s:
            purges = [s.post("purge", {"titles": f"Page {i}"}, token_type="csrf") for i in range(150)]
            reads = [s.call("query", {"meta": "userinfo"}) for _ in range(50)]
            return await asyncio.gather(*purges, *reads)

    results = asyncio.run(main())
    assert [r["purge"][0]["title"] for r in results[:150]] == [f"Page {i}" for i in range(150)]
    assert all(r["query"]["userinfo"]["anon"] for r in results[150:])
    assert double.count(action="query", meta="tokens") == 1
    assert double.count(action="purge") == 150


def test_concurrency_against_the_wiki(wiki: Wiki) -> None:
    async def main() -> None:
        async with mwauth.AsyncSession(wiki.api_url, user_agent=UA) as s:
            user = await s.login(wiki.bot_user, wiki.bot_password)
            assert s.user == user
            # MediaWiki makes a session's token secret on its first csrf
            # request; concurrent requests of the same session can overwrite
            # it (a server-side race). Get the first token alone.
            first = await s.token()
            tokens, infos = await asyncio.gather(
                asyncio.gather(*(s.token() for _ in range(200))),
                asyncio.gather(*(s.call("query", {"meta": "userinfo"}) for _ in range(40))),
            )
            assert {t.secret() for t in tokens} == {first.secret()}
            assert {i["query"]["userinfo"]["name"] for i in infos} == {user.name}
            check = await s.check_token("csrf", tokens[0])
            assert check.valid
            with pytest.raises(mwauth.APIError):
                await s.call("logout", {"token": "+\\"})  # mustpostparams
        assert s.user == user  # leaving the block closes, it does not log out
        with pytest.raises(mwauth.MWError, match="closed"):
            await s.logout()

    asyncio.run(main())


def test_async_errors_and_warnings(wiki: Wiki) -> None:
    async def main() -> None:
        s = mwauth.AsyncSession(wiki.api_url, user_agent=UA)
        with pytest.raises(mwauth.LoginError):
            await s.login(wiki.bot_user, "wrong")
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            await s.login(wiki.main_user, wiki.main_password)  # deprecated for main accounts
        deprecations = [w for w in caught if issubclass(w.category, mwauth.MWDeprecationWarning)]
        assert deprecations and deprecations[0].filename == __file__
        assert await s.logout() == mwauth.LogoutOutcome.LOGGED_OUT

    asyncio.run(main())


def test_cancelled_calls_do_not_break_the_session(make_double: Any) -> None:
    def slow(req: Request) -> Any:
        if req.params.get("titles") == "slow":
            time.sleep(1)
        return counting_wiki(req)

    double = make_double(slow)

    async def main() -> None:
        s = mwauth.AsyncSession(double.url, user_agent=UA)
        task = asyncio.ensure_future(s.call("query", {"titles": "slow"}))
        await asyncio.sleep(0.1)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        assert (await s.call("query", {"meta": "userinfo"}))["query"]["userinfo"]["anon"]

    asyncio.run(main())


def test_sync_session_releases_the_gil(make_double: Any) -> None:
    def slow(req: Request) -> Any:
        time.sleep(0.5)
        return counting_wiki(req)

    double = make_double(slow)
    s = mwauth.Session(double.url, user_agent=UA)
    errors: List[BaseException] = []

    def work() -> None:
        try:
            s.call("query", {"meta": "userinfo"})
        except BaseException as e:  # pragma: no cover - reported below
            errors.append(e)

    started = time.monotonic()
    threads = [threading.Thread(target=work) for _ in range(4)]
    for t in threads:
        t.start()
    # The main thread keeps running Python while the requests are in flight.
    ticks = 0
    while any(t.is_alive() for t in threads):
        ticks += 1
        time.sleep(0.01)
    elapsed = time.monotonic() - started
    assert not errors
    assert elapsed < 1.5, elapsed  # four 0.5 s requests in parallel, not 2 s in a row
    assert ticks > 10


def test_warnings_of_gathered_calls_point_at_the_calling_line(wiki: Wiki) -> None:
    """asyncio.gather runs each call as a task of its own, whose stack holds
    only asyncio's frames: the warning is still attributed to the line that
    made the call, and each call warns once."""

    async def main() -> Tuple[int, int, List[warnings.WarningMessage]]:
        async with mwauth.AsyncSession(wiki.api_url, user_agent=UA) as s:
            with warnings.catch_warnings(record=True) as caught:
                warnings.simplefilter("always")
                gathered = sys._getframe().f_lineno + 1
                await asyncio.gather(*(s.call("query", {"meta": "userinfo", "nosuchparam": n}) for n in range(3)))
                direct = sys._getframe().f_lineno + 1
                await s.call("query", {"meta": "userinfo", "nosuchparam": 9})
            return gathered, direct, [w for w in caught if issubclass(w.category, mwauth.MWWarning)]

    gathered, direct, found = asyncio.run(main())
    assert len(found) == 4, [str(w.message) for w in found]  # three gathered, one direct
    assert all("nosuchparam" in str(w.message) for w in found)
    assert [(w.filename, w.lineno) for w in found] == [(__file__, gathered)] * 3 + [(__file__, direct)]
