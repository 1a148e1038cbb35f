"""What the Rust core logs reaches Python's ``mwauth`` logger (issue 13
item 3): DEBUG one line per request, INFO for waits and relogins, WARNING
for the wiki's warnings, nothing when the logger is off, and a long wait
shown when it starts, not when it ends. No secret in any record:
test_secrets_logging.py."""

from __future__ import annotations

import asyncio
import logging
import threading
import time
import warnings
from typing import Any, Callable, Iterator, List, Tuple

import pytest

import mwauth
from mwauth.aio import AsyncSession
from conftest import UA, Double, Reply, Request, Wiki, json_reply


class _Records(logging.Handler):
    """Keeps the ``mwauth`` logger's records, with when and on which thread
    they were emitted."""

    def __init__(self) -> None:
        super().__init__(level=logging.DEBUG)
        self.kept: List[Tuple[float, logging.LogRecord]] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.kept.append((time.monotonic(), record))

    def lines(self, level: int) -> List[str]:
        return [r.getMessage() for _, r in self.kept if r.levelno == level]


@pytest.fixture
def records() -> Iterator[_Records]:
    handler = _Records()
    logger = logging.getLogger("mwauth")
    old = logger.level
    logger.addHandler(handler)
    logger.setLevel(logging.DEBUG)
    try:
        yield handler
    finally:
        logger.removeHandler(handler)
        logger.setLevel(old)


def test_a_login_logs_one_debug_line_per_request(wiki: Wiki, records: _Records) -> None:
    with mwauth.Session(wiki.api_url, user_agent=UA) as s:
        s.login(wiki.bot_user, wiki.bot_password)
        token = s.token("csrf")
    sent = [line for line in records.lines(logging.DEBUG) if line.startswith("sending a request")]
    assert len(sent) == 3, records.lines(logging.DEBUG)
    assert "method=GET" in sent[0] and "action=query" in sent[0]
    assert "method=POST" in sent[1] and "action=login" in sent[1]
    assert "action=query" in sent[2]
    received = [line for line in records.lines(logging.DEBUG) if line.startswith("received a response")]
    assert len(received) == 3 and all("status=200" in line for line in received), received
    every = " ".join(records.lines(logging.DEBUG))
    assert wiki.bot_password not in every and token.secret()[:-2] not in every
    assert all(r.name == "mwauth" for _, r in records.kept)


def test_an_api_warning_is_a_warning_record(wiki: Wiki, records: _Records) -> None:
    with mwauth.Session(wiki.api_url, user_agent=UA) as s, warnings.catch_warnings():
        warnings.simplefilter("ignore")
        s.call("query", {"meta": "siteinfo", "bogusparam": "1"})
    lines = records.lines(logging.WARNING)
    assert len(lines) == 1, lines
    assert "MediaWiki API warning" in lines[0] and "bogusparam" in lines[0] and "module=main" in lines[0]


def test_an_async_session_logs_on_the_loops_thread(wiki: Wiki, records: _Records) -> None:
    async def main() -> None:
        async with AsyncSession(wiki.api_url, user_agent=UA) as s:
            await s.login(wiki.bot_user, wiki.bot_password)
            # Its records are emitted before the await returns.
            assert len([x for x in records.lines(logging.DEBUG) if "action=login" in x]) == 1
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                await s.call("query", {"meta": "siteinfo", "bogusparam": "1"})
            assert len(records.lines(logging.WARNING)) == 1

    asyncio.run(main())
    assert {r.threadName for _, r in records.kept} == {threading.current_thread().name}


def test_nothing_is_logged_when_the_logger_is_off(wiki: Wiki, records: _Records) -> None:
    logging.getLogger("mwauth").setLevel(logging.ERROR)
    with mwauth.Session(wiki.api_url, user_agent=UA) as s, warnings.catch_warnings():
        warnings.simplefilter("ignore")
        s.login(wiki.bot_user, wiki.bot_password)
        s.call("query", {"meta": "siteinfo", "bogusparam": "1"})
    logging.getLogger("mwauth").setLevel(logging.INFO)
    with mwauth.Session(wiki.api_url, user_agent=UA) as s, warnings.catch_warnings():
        warnings.simplefilter("ignore")
        s.call("query", {"meta": "siteinfo", "bogusparam": "1"})
    assert [r.levelno for _, r in records.kept] == [logging.WARNING]


def _maxlag_once(wait: str) -> Callable[[Request], Reply]:
    answered = []

    def handler(req: Request) -> Reply:
        if not answered:
            answered.append(req)
            return json_reply(
                {"errors": [{"code": "maxlag", "text": "Waiting for db1: 3 seconds lagged.", "module": "main"}]},
                headers={"Retry-After": wait},
            )
        return json_reply({"batchcomplete": True, "query": {"pages": []}})

    return handler


def test_a_maxlag_wait_is_info_and_shown_when_it_starts(make_double: Any, records: _Records) -> None:
    double: Double = make_double(_maxlag_once("2"))
    with mwauth.Session(double.url, user_agent=UA) as s:
        s.call("query")
        ended = time.monotonic()
    waits = [(t, r.getMessage()) for t, r in records.kept if r.levelno == logging.INFO]
    assert len(waits) == 1, records.kept
    at, line = waits[0]
    assert line.startswith("waiting 2.0 s before retrying") and "maxlag" in line, line
    assert ended - at > 1.0, "the wait was logged when it ended, not when it started"


def test_an_async_wait_is_shown_while_the_call_waits(make_double: Any, records: _Records) -> None:
    double: Double = make_double(_maxlag_once("2"))

    async def main() -> float:
        async with AsyncSession(double.url, user_agent=UA) as s:
            await s.call("query")
            return time.monotonic()

    ended = asyncio.run(main())
    waits = [t for t, r in records.kept if r.levelno == logging.INFO]
    assert len(waits) == 1, records.kept
    assert ended - waits[0] > 1.0, "the wait was logged when it ended, not when it started"


def test_a_relogin_is_info(make_double: Any, records: _Records) -> None:
    queries: List[Request] = []

    def handler(req: Request) -> Reply:
        p = req.params
        if p.get("meta") == "tokens":
            return json_reply({"batchcomplete": True, "query": {"tokens": {"logintoken": "0123abcd+\\"}}})
        if p.get("action") == "login":
            return json_reply({"login": {"result": "Success", "lguserid": 7, "lgusername": "Bot"}})
        queries.append(req)
        if len(queries) == 1:
            return json_reply({"errors": [{"code": "assertuserfailed", "text": "You are no longer logged in."}]})
        return json_reply({"batchcomplete": True, "query": {"userinfo": {"id": 7, "name": "Bot"}}})

    double: Double = make_double(handler)
    with mwauth.Session(double.url, user_agent=UA) as s:
        s.login("Bot@app", "0123456789abcdefghijklmnopqrstuv")
        s.call("query", {"meta": "userinfo"})
    assert double.count(action="login") == 2
    info = records.lines(logging.INFO)
    assert len(info) == 1 and "logging in again" in info[0], info
    assert "0123456789abcdefghijklmnopqrstuv" not in " ".join(r.getMessage() for _, r in records.kept)
