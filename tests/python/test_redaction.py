"""``repr()``/``str()`` never show a token or a password: not of the values,
not of exceptions, not of sessions or requests."""

from __future__ import annotations

import pickle
import time
import traceback
import uuid
from typing import Any, List, Tuple

import pytest

import mwauth
from conftest import UA, Wiki, sansio_driver
from oath_window import totp
from test_auth_live import fresh_code, variant

SECRET = "0123456789abcdef0123456789abcdef6543210f+\\"
PASSWORD = "correct-horse-battery-staple-0123456789"


def shown(obj: Any) -> str:
    return repr(obj) + str(obj) + format(obj) + f"{obj!r}{obj!s}"


def test_token_and_password() -> None:
    t = mwauth.Token(SECRET)
    p = mwauth.Password(PASSWORD)
    assert repr(t) == str(t) == "<Token redacted>"
    assert repr(p) == str(p) == "<Password redacted>"
    for obj in (t, p, [t, p], {"t": t}, (p,)):
        assert SECRET not in shown(obj) and PASSWORD not in shown(obj)
    assert t.secret() == SECRET and p.secret() == PASSWORD
    assert t.timestamp == 0x6543210F and not t.is_anonymous and not t.is_mangled
    assert mwauth.Token("+\\").is_anonymous
    assert t == mwauth.Token(SECRET) and t != SECRET and hash(t) == hash(mwauth.Token(SECRET))
    with pytest.raises(TypeError):
        pickle.dumps(t)
    with pytest.raises(TypeError):
        pickle.dumps(p)


def test_real_secrets_never_shown(wiki: Wiki) -> None:
    with mwauth.Session(wiki.api_url, user_agent=UA) as s:
        user = s.login(wiki.bot_user, mwauth.Password(wiki.bot_password))
        token = s.token("csrf")
        secret = token.secret()
        response = s.call("query", {"meta": "tokens", "type": "csrf|watch"})
        raw = response["query"]["tokens"]["csrftoken"]  # reachable on purpose
        assert raw.endswith("+\\") and len(raw) == 42
        check = s.check_token("csrf", token)
        for obj in (s, user, token, response, check, s.foreign(wiki.api_url)):
            text = shown(obj)
            for hidden in (secret, raw, raw[:32], wiki.bot_password):
                assert hidden not in text, text
        s.logout()
        with pytest.raises(mwauth.BadTokenError) as info:
            s.post("logout", {"token": token})
    _assert_exception_clean(info.value, [secret, wiki.bot_password])


def test_login_errors_do_not_echo_the_password(wiki: Wiki) -> None:
    with mwauth.Session(wiki.api_url, user_agent=UA) as s:
        with pytest.raises(mwauth.LoginError) as info:
            s.login(wiki.bot_user, PASSWORD)
    _assert_exception_clean(info.value, [PASSWORD])
    s2, driver = sansio_driver(wiki.api_url)
    with pytest.raises(mwauth.LoginError) as info2:
        driver.run(s2.login(wiki.bot_user, PASSWORD))
    _assert_exception_clean(info2.value, [PASSWORD])


def _assert_exception_clean(e: BaseException, secrets: list) -> None:
    text = repr(e) + str(e) + repr(e.args) + repr(vars(e)) + "".join(traceback.format_exception_only(type(e), e))
    for s in secrets:
        assert s not in text, text


def test_sansio_objects_never_show_secrets(wiki: Wiki) -> None:
    s, driver = sansio_driver(wiki.api_url)
    s.login(wiki.bot_user, PASSWORD)
    first = s.poll_transmit()
    assert first is not None
    s.handle_response(first.id, *driver.send(first))
    login_post = s.poll_transmit()
    assert login_post is not None
    assert PASSWORD.encode() in login_post.body  # the body must carry it ...
    assert PASSWORD not in shown(login_post)  # ... but repr does not show it
    assert "lgtoken" not in repr(login_post)
    s.handle_response(login_post.id, *driver.send(login_post))
    event = s.poll_event()
    assert event is not None and not event.ok
    assert PASSWORD not in shown(event) + shown(s)
    driver.run(s.login(wiki.bot_user, wiki.bot_password))
    token = driver.run(s.token("csrf"))
    assert token.secret() not in shown(s)


def test_transport_messages_are_scrubbed(wiki: Wiki) -> None:
    # requests quotes the URL in its exceptions; a foreign request's URL
    # holds a centralauthtoken.
    s = mwauth.SansIOSession(wiki.api_url, user_agent=UA)
    s.call("query")
    t = s.poll_transmit()
    assert t is not None
    s.handle_transport_error(
        t.id, "Max retries exceeded with url: /w/api.php?action=query&centralauthtoken=c0ffee42&x=1"
    )
    event = s.poll_event()
    assert event is not None
    with pytest.raises(mwauth.TransportError) as info:
        event.result()
    assert "c0ffee42" not in str(info.value)
    assert "centralauthtoken=<redacted>&x=1" in str(info.value)


def _pump(s: mwauth.SansIOSession, driver: Any, hidden: List[str]) -> Tuple[bytes, Any]:
    """Sends every pending request, checking each one's repr; returns the
    bodies sent and the event."""
    bodies = b""
    while (t := s.poll_transmit()) is not None:
        assert not any(h in shown(t) for h in hidden), shown(t)
        bodies += t.body or b""
        s.handle_response(t.id, *driver.send(t))
    event = s.poll_event()
    assert event is not None
    assert not any(h in shown(event) + shown(s) for h in hidden), shown(event)
    return bodies, event


def test_auth_secrets_never_shown() -> None:
    """The two-factor code, a new account's password and a captcha's
    answer: in the POST body, never in a repr, a URL or an exception."""
    w = variant("MW_TEST_ENV_OATH")
    wrong = totp(w["MW_OATH_SECRET"], int(time.time() // 30) - 6)
    s, driver = sansio_driver(w["MW_API_URL"])
    step = driver.run(s.client_login(w["MW_OATH_USER"], w["MW_OATH_PASSWORD"]))
    assert isinstance(step, mwauth.AuthStep)
    assert w["MW_OATH_PASSWORD"] not in shown(step) + shown(s)
    s.client_login_continue({"OATHToken": wrong})
    body, event = _pump(s, driver, [wrong, w["MW_OATH_PASSWORD"]])
    assert wrong.encode() in body
    with pytest.raises(mwauth.SecondFactorError) as refused:
        event.result()
    _assert_exception_clean(refused.value, [wrong])
    with fresh_code(w) as code:
        s.client_login_continue({"OATHToken": code})
        body, event = _pump(s, driver, [code])
    assert code.encode() in body and isinstance(event.result(), mwauth.User)

    c = variant("MW_TEST_ENV_CAPTCHA")
    answer = "wrong-" + uuid.uuid4().hex
    s, driver = sansio_driver(c["MW_API_URL"])
    name = "Red" + uuid.uuid4().hex[:10]
    step = driver.run(s.create_account(name, mwauth.Password(PASSWORD)))
    assert isinstance(step, mwauth.AuthStep) and step.captcha is not None
    s.create_account_continue({"captchaWord": answer})
    body, event = _pump(s, driver, [answer, PASSWORD])
    assert answer.encode() in body and PASSWORD.encode() in body
    with pytest.raises(mwauth.CreateAccountError) as failed:
        event.result()
    assert failed.value.code == "captcha-createaccount-fail"
    _assert_exception_clean(failed.value, [answer, PASSWORD])
    with mwauth.Session(c["MW_API_URL"], user_agent=UA) as sync:
        step = sync.create_account(name, mwauth.Password(PASSWORD))
        assert isinstance(step, mwauth.AuthStep)
        with pytest.raises(mwauth.CreateAccountError) as failed:
            sync.create_account_continue({"captchaWord": answer})
        _assert_exception_clean(failed.value, [answer, PASSWORD])
        assert answer not in shown(sync) and PASSWORD not in shown(sync)
