"""HTTPS through a real web server: the test wiki behind Apache 2.4 with a
certificate of a throw-away CA, ``KeepAlive On`` and a 2 s
``KeepAliveTimeout`` (``scripts/test-wiki.sh start-apache DIR``; the env file
named by ``MW_TEST_ENV_APACHE``, which ``scripts/test.sh`` sets). Without it
these tests fail: they are never skipped."""

from __future__ import annotations

import asyncio
import os
import pathlib
import time
from dataclasses import dataclass, field

import pytest
import requests

import mwauth
from conftest import UA, _read_env
from mwauth.sansio import Driver, requests_sender


@dataclass(frozen=True)
class ApacheWiki:
    api_url: str
    ca_file: str
    keepalive_timeout: float
    bot_user: str
    bot_password: str = field(repr=False)


@pytest.fixture(scope="module")
def apache() -> ApacheWiki:
    path = os.environ.get("MW_TEST_ENV_APACHE")
    if not path:
        pytest.fail(
            "MW_TEST_ENV_APACHE is not set: start a wiki with scripts/test-wiki.sh start-apache DIR",
            pytrace=False,
        )
    env = _read_env(path)
    try:
        return ApacheWiki(
            api_url=env["MW_API_URL"],
            ca_file=env["MW_CA_FILE"],
            keepalive_timeout=float(env["MW_KEEPALIVE_TIMEOUT"]),
            bot_user=env["MW_BOT_USER"],
            bot_password=env["MW_BOT_PASSWORD"],
        )
    except KeyError as e:
        pytest.fail(f"{path} lacks {e} (not an Apache wiki?)", pytrace=False)


def test_the_seed_flow_over_https_with_ca_file_idling_past_keepalive(apache: ApacheWiki) -> None:
    assert apache.api_url.startswith("https://")
    with mwauth.Session(apache.api_url, user_agent=UA, ca_file=apache.ca_file) as s:
        user = s.login(apache.bot_user, apache.bot_password)
        assert user.name == apache.bot_user.split("@")[0]
        csrf = s.token("csrf")
        # Apache closes the idle connection; the next request still works.
        time.sleep(apache.keepalive_timeout + 1)
        assert s.check_token("csrf", csrf).result == "valid"
        r = s.call("query", {"prop": "info", "titles": "Main Page", "intestactions": "edit"})
        assert r["query"]["pages"][0]["actions"]["edit"] is True
        assert s.logout() == mwauth.LogoutOutcome.LOGGED_OUT


def test_ca_file_takes_a_path_object_and_async_sessions(apache: ApacheWiki) -> None:
    async def main() -> str:
        async with mwauth.AsyncSession(apache.api_url, user_agent=UA, ca_file=pathlib.Path(apache.ca_file)) as s:
            user = await s.login(apache.bot_user, apache.bot_password)
            await s.logout()
            return user.name

    assert asyncio.run(main()) == apache.bot_user.split("@")[0]


def test_without_the_ca_the_error_says_the_issuer_is_unknown(apache: ApacheWiki) -> None:
    with mwauth.Session(apache.api_url, user_agent=UA) as s:
        with pytest.raises(mwauth.TransportError) as e:
            s.login(apache.bot_user, apache.bot_password)
    text = str(e.value)
    assert "UnknownIssuer" in text and "issuer is unknown" in text, text
    assert "ca_file=" in text, text
    assert apache.bot_password not in text and apache.bot_password not in repr(e.value)
    assert not isinstance(e.value, mwauth.TimeoutError)


def test_an_unreadable_ca_file_is_an_invalid_input_error(apache: ApacheWiki) -> None:
    missing = apache.ca_file + ".missing"
    with pytest.raises(mwauth.InvalidInputError) as e:
        mwauth.Session(apache.api_url, user_agent=UA, ca_file=missing)
    assert missing in str(e.value) and "cannot read it" in str(e.value)


def test_sansio_with_requests_verifies_against_the_same_ca_file(apache: ApacheWiki) -> None:
    """The sans-IO session leaves TLS to the HTTP library: ``verify=``."""
    http = requests.Session()
    http.verify = apache.ca_file
    # Else a REQUESTS_CA_BUNDLE or CURL_CA_BUNDLE in the environment would
    # win over the session's verify (requests' own rule).
    http.trust_env = False
    session = mwauth.SansIOSession(apache.api_url, user_agent=UA)
    driver = Driver(session, requests_sender(http, timeout=10))
    user = driver.run(session.login(apache.bot_user, apache.bot_password))
    assert user.name == apache.bot_user.split("@")[0]
    assert driver.run(session.logout()) == mwauth.LogoutOutcome.LOGGED_OUT
