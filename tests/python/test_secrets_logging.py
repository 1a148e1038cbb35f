"""Every flow with ``logging`` at DEBUG on the root logger, capturing every
record (urllib3 and requests included, and the ``mwauth`` logger's records of
the Rust core: each request, each response, waits, warnings): no password,
token or session cookie appears in any log record, any warning, any ``repr()``/``str()`` of
what the flows return, or any exception. The sync session, the async
session and the sans-IO session driven by ``requests`` are all run.
"""

from __future__ import annotations

import asyncio
import logging
import time
import traceback
import urllib.parse
import uuid
import warnings
from typing import Any, Iterator, List, Tuple

import pytest
import requests

import mwauth
from mwauth.aio import AsyncSession
from mwauth.sansio import Driver, requests_sender
from conftest import UA, Wiki
from oath_window import totp
from test_auth_live import fresh_code, variant

WRONG = "wrongwrongwrongwrongwrongwrong00"
BOGUS = "0123456789abcdef0123456789abcdef6543210f+\\"


class _Keep(logging.Handler):
    def __init__(self) -> None:
        super().__init__(level=logging.DEBUG)
        self.lines: List[str] = []
        self.mwauth: List[str] = []
        self.setFormatter(logging.Formatter("%(levelname)s %(name)s %(pathname)s:%(lineno)d %(message)s"))

    def emit(self, record: logging.LogRecord) -> None:
        text = self.format(record)
        self.lines.append(text + " " + repr(record.args) + " " + repr(vars(record)))
        if record.name == "mwauth":
            self.mwauth.append(self.lines[-1])


@pytest.fixture
def captured() -> Iterator[_Keep]:
    keep = _Keep()
    root = logging.getLogger()
    old = root.level
    root.addHandler(keep)
    root.setLevel(logging.DEBUG)
    for name in ("urllib3", "requests", "mwauth", "asyncio"):
        logging.getLogger(name).setLevel(logging.DEBUG)
    try:
        yield keep
    finally:
        root.removeHandler(keep)
        root.setLevel(old)


def _forms(secret: str) -> List[str]:
    forms = {secret, urllib.parse.quote_plus(secret), urllib.parse.quote(secret, safe="")}
    if secret.endswith("+\\") and len(secret) > 10:
        forms.add(secret[:-2])
    return [f for f in forms if len(f) >= 6]


def _shown(obj: Any) -> str:
    text = repr(obj) + str(obj)
    if isinstance(obj, BaseException):
        text += repr(obj.args) + repr(vars(obj)) + "".join(traceback.format_exception_only(type(obj), obj))
    return text


def _check(what: str, texts: List[str], secrets: List[Tuple[str, str]]) -> None:
    for text in texts:
        for name, secret in secrets:
            for form in _forms(secret):
                assert form not in text, f"{name} leaked into {what}: {text}"


def test_no_secret_in_logs_reprs_or_errors(wiki: Wiki, captured: _Keep, tmp_path: Any) -> None:
    shown: List[Any] = []
    tokens: List[str] = []
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")

        # The sync session: every flow.
        s = mwauth.Session(wiki.api_url, user_agent=UA)
        login_token = s.token("login")
        tokens.append(login_token.secret())
        shown += [s, login_token, s.login(wiki.bot_user, mwauth.Password(wiki.bot_password))]
        csrf = s.token("csrf")
        tokens.append(csrf.secret())
        watch = s.token("watch")
        tokens.append(watch.secret())
        shown += [csrf, watch, s.check_token("csrf", csrf, 600), s.check_token("csrf", BOGUS)]
        shown.append(s.call("query", {"meta": "userinfo"}))
        with pytest.raises(mwauth.BadTokenError) as info:
            s.post("edit", {"title": "Main Page", "appendtext": "x", "token": mwauth.Token(BOGUS)})
        shown.append(info.value)
        path = tmp_path / "session.json"
        s.save(path)
        resumed = mwauth.Session.restore(
            path, wiki.api_url, username=wiki.bot_user, password=wiki.bot_password, user_agent=UA
        )
        shown += [resumed, resumed.user]
        shown.append(s.foreign(wiki.api_url))
        shown.append(s.logout())
        with pytest.raises(mwauth.LoginError) as failed:
            mwauth.Session(wiki.api_url, user_agent=UA).login(wiki.bot_user, WRONG)
        shown.append(failed.value)
        main = mwauth.Session(wiki.api_url, user_agent=UA)
        shown.append(main.client_login(wiki.main_user, wiki.main_password, "https://example.org/"))
        main_csrf = main.token("csrf")
        tokens.append(main_csrf.secret())
        shown += [main, main_csrf, main.logout()]

        # The async session.
        async def flows() -> None:
            async with AsyncSession(wiki.api_url, user_agent=UA) as a:
                shown.append(await a.login(wiki.bot_user, wiki.bot_password))
                t = await a.token("csrf")
                tokens.append(t.secret())
                shown.extend([a, t, await a.check_token("csrf", t)])

        asyncio.run(flows())

        # The sans-IO session over requests (whose urllib3 logs every URL).
        http = requests.Session()
        sansio = mwauth.SansIOSession(wiki.api_url, user_agent=UA)
        driver = Driver(sansio, requests_sender(http, timeout=10))
        shown.append(driver.run(sansio.login(wiki.bot_user, wiki.bot_password)))
        t = driver.run(sansio.token("csrf"))
        tokens.append(t.secret())
        shown += [t, sansio, driver.run(sansio.check_token("csrf", t))]
        sansio.call("edit", {"title": "Main Page", "appendtext": "\nlog test"}, method="POST", token_type="csrf")
        while (transmit := sansio.poll_transmit()) is not None:
            shown.append(transmit)
            sansio.handle_response(transmit.id, *requests_sender(http, timeout=10)(transmit))
        while (event := sansio.poll_event()) is not None:
            shown.append(event)
        cookies = [c.value for c in http.cookies if c.value and len(c.value) >= 8]
        shown.append(driver.run(sansio.logout()))

    secrets: List[Tuple[str, str]] = [
        ("the bot password", wiki.bot_password),
        ("the main password", wiki.main_password),
        ("a wrong password", WRONG),
        ("a caller's token", BOGUS),
    ]
    secrets += [("a token", t) for t in tokens if t != "+\\"]
    assert cookies, "the wiki set no session cookie?"
    secrets += [("a session cookie", c) for c in cookies]

    assert len(captured.lines) >= 10, captured.lines  # urllib3 logged every request
    assert any("/api.php?" in line for line in captured.lines), captured.lines
    # The Rust core's records: a line per request of the sync and async
    # sessions, the logins' and the edit's POSTs among them.
    sent = [line for line in captured.mwauth if "sending a request" in line]
    assert len(sent) >= 20, captured.mwauth
    assert any("action=login" in line and "method=POST" in line for line in sent), sent
    assert any("action=clientlogin" in line for line in sent), sent
    assert any("action=edit" in line for line in sent), sent
    assert any("received a response" in line for line in captured.mwauth), captured.mwauth
    _check("an mwauth log record", captured.mwauth, secrets)
    _check("a log record", captured.lines, secrets)
    _check("a warning", [str(w.message) + repr(w) for w in caught], secrets)
    _check("a repr/str", [_shown(o) for o in shown], secrets)


def test_auth_flows_log_no_secret(captured: _Keep) -> None:
    """Two-factor login (a refused code, then a good one) and account
    creation with a captcha (a wrong answer, then the right one), on the
    sync session and the sans-IO one over requests: no password, code or
    answer in a log record, a warning, a repr or an exception."""
    oath = variant("MW_TEST_ENV_OATH")
    captcha = variant("MW_TEST_ENV_CAPTCHA")
    new_password = "Np-" + uuid.uuid4().hex
    wrong_code = totp(oath["MW_OATH_SECRET"], int(time.time() // 30) - 6)
    wrong_answer = "wrong-" + uuid.uuid4().hex
    shown: List[Any] = []
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        with mwauth.Session(oath["MW_API_URL"], user_agent=UA) as s:
            shown.append(s.client_login(oath["MW_OATH_USER"], oath["MW_OATH_PASSWORD"]))
            with pytest.raises(mwauth.SecondFactorError) as refused:
                s.client_login_continue({"OATHToken": wrong_code})
            shown.append(refused.value)
            with fresh_code(oath) as code:
                shown += [s.client_login_continue({"OATHToken": code}), s]

        http = requests.Session()
        sansio = mwauth.SansIOSession(captcha["MW_API_URL"], user_agent=UA)
        driver = Driver(sansio, requests_sender(http, timeout=10))
        for answer in (wrong_answer, captcha["MW_CAPTCHA_ANSWER"]):
            name = "Log" + uuid.uuid4().hex[:10]
            shown.append(driver.run(sansio.create_account(name, mwauth.Password(new_password))))
            try:
                shown.append(driver.run(sansio.create_account_continue({"captchaWord": answer})))
            except mwauth.CreateAccountError as e:
                assert answer == wrong_answer
                shown.append(e)
        assert isinstance(shown[-1], mwauth.AccountCreated), shown[-1]
        shown.append(sansio)

    secrets: List[Tuple[str, str]] = [
        ("the two-factor account's password", oath["MW_OATH_PASSWORD"]),
        ("a refused code", wrong_code),
        ("the code", code),
        ("a new account's password", new_password),
        ("a wrong captcha answer", wrong_answer),
        ("the captcha answer", captcha["MW_CAPTCHA_ANSWER"]),
    ]
    assert any("/api.php?" in line for line in captured.lines), captured.lines
    _check("a log record", captured.lines, secrets)
    _check("a warning", [str(w.message) + repr(w) for w in caught], secrets)
    _check("a repr/str", [_shown(o) for o in shown], secrets)
