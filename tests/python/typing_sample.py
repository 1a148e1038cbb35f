"""Type-checked (``mypy --strict``) by test_typing.py, never run: user code
written against the stubs must check without casts."""

from __future__ import annotations

import asyncio
import time
from typing import Optional

import requests

import mwauth
from mwauth.sansio import Driver, requests_sender


def sync(url: str) -> Optional[str]:
    with mwauth.Session(url, user_agent="t/1 (t@example.org)", timeout=5.0) as s:
        user: mwauth.User = s.login("Bot@app", mwauth.Password("x" * 32))
        token: mwauth.Token = s.token("csrf")
        check: mwauth.TokenCheck = s.check_token("csrf", token, max_age=60)
        r: mwauth.Response = s.post("purge", {"titles": ["A", "B"], "forcelinkupdate": True}, token_type="csrf")
        w: list[mwauth.ResponseWarning] = r.warnings
        s.client_login("Bot", mwauth.Password("x" * 32))  # foreign calls need a main-account login
        s.foreign(url).call("query", {"meta": "userinfo"})
        s.save("session.json")
        out: mwauth.LogoutOutcome = s.logout()
        del user, check, w, out
        return token.secret() if token.timestamp else None


async def aio(url: str) -> int:
    async with mwauth.AsyncSession(url, user_agent="t/1 (t@example.org)") as s:
        tokens = await asyncio.gather(*(s.token() for _ in range(3)))
        r = await s.call("query", {"meta": "siteinfo"})
        return len(tokens) + len(r.data)


def sansio(url: str) -> bool:
    s = mwauth.SansIOSession(url, user_agent="t/1", maxlag=None)
    op = s.check_token("csrf", "123ABC")
    t = s.poll_transmit()
    if t is not None:
        resp = requests.request(t.method, t.url, headers=dict(t.headers), data=t.body)
        s.handle_response(t.id, resp.status_code, resp.headers, resp.content, time.monotonic())
    e = s.poll_event()
    deadline: Optional[float] = s.poll_timeout()
    del deadline
    driver = Driver(s, requests_sender(requests.Session()))
    check = driver.run(s.check_token("csrf", "123ABC"))
    assert isinstance(check, mwauth.TokenCheck)
    return e is not None and e.op == op and e.ok


def errors() -> None:
    try:
        pass
    except mwauth.MaxLagError as e:
        lag: Optional[float] = e.lag
        retry: Optional[float] = e.retry_after
        del lag, retry
    except mwauth.APIError as e:
        code: str = e.code
        del code
    except mwauth.HTTPStatusError as e:
        status: int = e.status
        del status
    except mwauth.LoginError as e:
        result: str = e.result
        del result
