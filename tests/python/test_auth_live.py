"""AuthManager flows against the real variant wikis: two-factor login
(``MW_TEST_ENV_OATH``), account creation (``MW_TEST_ENV``), the captcha
(``MW_TEST_ENV_CAPTCHA``). The same method names and semantics on
``Session``, ``AsyncSession`` and ``SansIOSession``; each test checks the
wiki's own state."""

from __future__ import annotations

import asyncio
import contextlib
import os
import uuid
from typing import Dict, Iterator

import pytest

import mwauth
import oath_window
from conftest import UA, sansio_driver

RETURN = "http://127.0.0.1/"


def variant(var: str) -> Dict[str, str]:
    path = os.environ.get(var)
    if not path:
        pytest.fail(f"{var} is not set: scripts/test.sh starts the variant wikis", pytrace=False)
    with open(path, encoding="utf-8") as f:
        return dict(line.rstrip("\n").split("=", 1) for line in f if "=" in line)


@contextlib.contextmanager
def fresh_code(w: Dict[str, str]) -> Iterator[str]:
    """A code for a window no one used, and the turn to use it, held until
    the login that uses the code is done (scripts/oath_window.py)."""
    with oath_window.reserve(w["MW_WIKI_DIR"], w["MW_OATH_SECRET"]) as code:
        yield code


def who(s: mwauth.Session) -> str:
    name: str = s.call("query", {"meta": "userinfo"})["query"]["userinfo"]["name"]
    return name


def exists(s: mwauth.Session, name: str) -> bool:
    user = s.call("query", {"list": "users", "ususers": name})["query"]["users"][0]
    return "userid" in user and "missing" not in user


def test_two_factor_login_wrong_then_right_code() -> None:
    w = variant("MW_TEST_ENV_OATH")
    with mwauth.Session(w["MW_API_URL"], user_agent=UA) as s:
        step = s.client_login(w["MW_OATH_USER"], w["MW_OATH_PASSWORD"], RETURN)
        assert isinstance(step, mwauth.AuthStep)
        assert isinstance(step, mwauth.ClientLoginStep)  # the old name still works
        assert step.asks_for_two_factor and step.asks_for("OATHToken")
        field = step.field("OATHToken")
        assert field is not None and field.label
        with pytest.raises(mwauth.SecondFactorError) as e:
            s.client_login_continue({"OATHToken": "000000"})
        assert e.value.code == "oathauth-login-failed"
        assert isinstance(e.value, mwauth.LoginError)
        assert "000000" not in str(e.value)
        assert who(s).startswith("127.0.0.1")
        expired = oath_window.totp(w["MW_OATH_SECRET"], oath_window.window_now() - 6)
        with pytest.raises(mwauth.SecondFactorError):
            s.client_login_continue({"OATHToken": expired})
        with fresh_code(w) as code:
            user = s.client_login_continue({"OATHToken": code})
        assert isinstance(user, mwauth.User) and user.name == w["MW_OATH_USER"]
        assert who(s) == w["MW_OATH_USER"]


def test_a_bot_password_needs_no_second_factor() -> None:
    w = variant("MW_TEST_ENV_OATH")
    with mwauth.Session(w["MW_API_URL"], user_agent=UA) as s:
        assert s.login(w["MW_BOT_USER"], w["MW_BOT_PASSWORD"]).name == w["MW_MAIN_USER"]
        assert who(s) == w["MW_MAIN_USER"]


def test_create_account_sync_async_sansio() -> None:
    w = variant("MW_TEST_ENV")
    names = ["Py" + uuid.uuid4().hex[:10].capitalize() for _ in range(3)]
    with mwauth.Session(w["MW_API_URL"], user_agent=UA) as s:
        done = s.create_account(names[0], mwauth.Password(names[0] + "-long-9x"), RETURN)
        assert isinstance(done, mwauth.AccountCreated) and done.username == names[0]

        async def run() -> object:
            async with mwauth.AsyncSession(w["MW_API_URL"], user_agent=UA) as a:
                return await a.create_account(names[1], names[1] + "-long-9x", RETURN)

        assert isinstance(asyncio.run(run()), mwauth.AccountCreated)
        session, driver = sansio_driver(w["MW_API_URL"])
        created = driver.run(session.create_account(names[2], names[2] + "-long-9x", RETURN))
        assert isinstance(created, mwauth.AccountCreated)
        for name in names:
            assert exists(s, name)
        with pytest.raises(mwauth.CreateAccountError) as e:
            s.create_account(w["MW_MAIN_USER"], "Some-long-unique-pass-771", RETURN)
        assert e.value.code == "userexists"
        weak = "Py" + uuid.uuid4().hex[:10]
        with pytest.raises(mwauth.CreateAccountError) as e:
            s.create_account(weak, "password", RETURN)
        assert e.value.code == "passwordincommonlist"
        assert not exists(s, weak.capitalize())


def test_create_account_with_the_captcha() -> None:
    w = variant("MW_TEST_ENV_CAPTCHA")
    name = "Py" + uuid.uuid4().hex[:10].capitalize()
    with mwauth.Session(w["MW_API_URL"], user_agent=UA) as s:
        step = s.create_account(name, name + "-long-9x", RETURN)
        assert isinstance(step, mwauth.AuthStep)
        captcha = step.captcha
        assert captcha is not None and captcha.info == w["MW_CAPTCHA_QUESTION"]
        assert "captchaWord" in [f.name for f in step.inputs]
        assert not exists(s, name)
        done = s.create_account_continue({"captchaWord": w["MW_CAPTCHA_ANSWER"]})
        assert isinstance(done, mwauth.AccountCreated)
        assert exists(s, name)
        assert w["MW_CAPTCHA_ANSWER"] not in repr(step) + repr(done)


def test_login_captcha_after_a_failed_login() -> None:
    """ConfirmEdit wants a captcha on the login after a failed one
    (captcha.php: after one): ``client_login`` returns an ``AuthStep`` with
    the captcha, and ``client_login_continue`` sends the login again with
    the answer. A fresh account, so that no other test's per-user counter
    changes."""
    w = variant("MW_TEST_ENV_CAPTCHA")
    name = "Py" + uuid.uuid4().hex[:10].capitalize()
    password = name + "-long-9x"
    with mwauth.Session(w["MW_API_URL"], user_agent=UA) as s:
        step = s.create_account(name, password, RETURN)
        assert isinstance(step, mwauth.AuthStep)
        done = s.create_account_continue({"captchaWord": w["MW_CAPTCHA_ANSWER"]})
        assert isinstance(done, mwauth.AccountCreated)
    with mwauth.Session(w["MW_API_URL"], user_agent=UA) as s:
        bad = s.client_login(name, "Wrong-password-1234", RETURN)
        assert isinstance(bad, mwauth.AuthStep) and bad.captcha is not None
        step = s.client_login(name, mwauth.Password(password), RETURN)
        assert isinstance(step, mwauth.AuthStep)
        assert step.message_code == "wrongpassword"
        assert step.captcha is not None and step.captcha.info == w["MW_CAPTCHA_QUESTION"]
        assert "captchaWord" in [f.name for f in step.inputs]
        again = s.client_login_continue({"captchaWord": "wrong"})
        assert isinstance(again, mwauth.AuthStep) and again.captcha is not None
        assert again.captcha.id != step.captcha.id
        assert who(s).startswith("127.0.0.1")
        user = s.client_login_continue({"captchaWord": w["MW_CAPTCHA_ANSWER"]})
        assert isinstance(user, mwauth.User) and user.name == name
        assert who(s) == name
        assert password not in repr(step) + repr(again) + repr(user)
