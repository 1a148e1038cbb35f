"""The Python samples of the seed pages, as published (with ``requests``) and
rewritten with mwauth (sync, sans-IO, asyncio), asserting what the pages
show: ``{}`` for a logout, ``"invalid"`` for the token ``123ABC``."""

from __future__ import annotations

import asyncio
from typing import Any, List, Tuple

import pytest
import requests

import mwauth
from conftest import UA, Request, Wiki, json_reply, sansio_driver
from mwauth.sansio import Driver, requests_sender

# ---- API:Logout ----


def test_logout_seed_as_published(wiki: Wiki) -> None:
    """The page's sample, verbatim but for URL and credentials."""
    S = requests.Session()
    URL = wiki.api_url
    PARAMS_0 = {"action": "query", "meta": "tokens", "type": "login", "format": "json"}
    R = S.get(url=URL, params=PARAMS_0)
    DATA = R.json()
    LOGIN_TOKEN = DATA["query"]["tokens"]["logintoken"]
    PARAMS_1 = {
        "action": "login",
        "lgname": wiki.bot_user,
        "lgpassword": wiki.bot_password,
        "lgtoken": LOGIN_TOKEN,
        "format": "json",
    }
    R = S.post(URL, data=PARAMS_1)
    DATA = R.json()
    PARAMS_2 = {"action": "query", "meta": "tokens", "format": "json"}
    R = S.get(url=URL, params=PARAMS_2)
    DATA = R.json()
    CSRF_TOKEN = DATA["query"]["tokens"]["csrftoken"]
    PARAMS_3 = {"action": "logout", "token": CSRF_TOKEN, "format": "json"}
    R = S.post(URL, data=PARAMS_3)
    DATA = R.json()
    assert DATA == {}


def test_logout_seed_sync(wiki: Wiki) -> None:
    with mwauth.Session(wiki.api_url, user_agent=UA) as s:
        s.login(wiki.bot_user, wiki.bot_password)  # steps 1 and 2
        assert s.logout() == mwauth.LogoutOutcome.LOGGED_OUT  # steps 3 and 4: {}
        assert s.user is None
        me = s.call("query", {"meta": "userinfo"})
        assert me["query"]["userinfo"].get("anon") is True


def test_logout_seed_sansio_sends_the_same_four_requests(wiki: Wiki) -> None:
    sent: List[Tuple[str, str]] = []
    base = requests_sender(requests.Session())

    def send(t: mwauth.Transmit) -> Any:
        query = t.url.split("?", 1)[1] if "?" in t.url else t.body.decode()
        params = dict(p.split("=", 1) for p in query.split("&"))
        sent.append((t.method, params["action"] + ("/" + params["type"] if "type" in params else "")))
        return base(t)

    s = mwauth.SansIOSession(wiki.api_url, user_agent=UA)
    driver = Driver(s, send)
    driver.run(s.login(wiki.bot_user, wiki.bot_password))
    assert driver.run(s.logout()) == mwauth.LogoutOutcome.LOGGED_OUT
    assert sent == [
        ("GET", "query/login"),  # Step 1: login token
        ("POST", "login"),  # Step 2: login
        ("GET", "query/csrf"),  # Step 3: csrf token
        ("POST", "logout"),  # Step 4: logout -> {}
    ]


def test_logout_seed_async(wiki: Wiki) -> None:
    async def main() -> mwauth.LogoutOutcome:
        async with mwauth.AsyncSession(wiki.api_url, user_agent=UA) as s:
            await s.login(wiki.bot_user, wiki.bot_password)
            return await s.logout()

    assert asyncio.run(main()) == mwauth.LogoutOutcome.LOGGED_OUT


def test_logout_while_anonymous(session: mwauth.Session) -> None:
    # The same outcome on every version: the session sent the anonymous csrf
    # token "+\\"; 1.39 answers {}, 1.45 warns notloggedin (dropped).
    assert session.logout() == mwauth.LogoutOutcome.NOT_LOGGED_IN


# ---- API:Checktoken ----


def test_checktoken_seed_as_published(wiki: Wiki) -> None:
    S = requests.Session()
    PARAMS = {"action": "checktoken", "token": "123ABC", "type": "csrf", "format": "json"}
    R = S.get(url=wiki.api_url, params=PARAMS)
    DATA = R.json()
    assert DATA == {"checktoken": {"result": "invalid"}}


def test_checktoken_seed_sync(session: mwauth.Session) -> None:
    check = session.check_token("csrf", "123ABC")
    assert check.result == "invalid"
    assert not check.valid
    assert check == session.check_token("csrf", mwauth.Token("123ABC"))


def test_checktoken_seed_sansio(wiki: Wiki) -> None:
    s, driver = sansio_driver(wiki.api_url)
    assert driver.run(s.check_token("csrf", "123ABC")).result == "invalid"


def test_checktoken_of_a_real_token(bot_session: mwauth.Session) -> None:
    token = bot_session.token("csrf")
    check = bot_session.check_token("csrf", token, max_age=3600)
    assert check.result == "valid" and check.generated
    assert bot_session.check_token("csrf", token, max_age=0).result in ("valid", "expired")


# ---- API tokens (action=tokens removed; meta=tokens) ----


def test_tokens_seed_meta_tokens(session: mwauth.Session, bot_session: mwauth.Session) -> None:
    # Anonymous: csrf is the logged-out token "+\\".
    assert session.token("csrf").is_anonymous
    token = bot_session.token("csrf")
    assert not token.is_anonymous and len(token.secret()) == 42
    assert bot_session.token("watch") != token  # another salt, another token


def test_tokens_seed_action_tokens_is_gone(session: mwauth.Session) -> None:
    try:
        session.call("tokens", {"type": "csrf"})
    except mwauth.APIError as e:
        assert e.code == "badvalue"
        assert "tokens" in e.info
    else:
        raise AssertionError("action=tokens answered")


# ---- CentralAuth: a foreign wiki through centralauthtoken ----


def _central_handler() -> Any:
    """A home wiki double with CentralAuth, and its foreign wiki under /foreign/."""
    issued: List[str] = []
    # Which login the (single-user) home double saw: CentralAuth gives
    # centralauthtokens only to its own sessions, i.e. main-account logins.
    provider: List[str] = []

    def handler(req: Request) -> Any:
        action = req.params.get("action")
        if req.path.startswith("/w/"):  # the home wiki
            if req.params.get("meta") == "tokens" and req.params.get("type") == "login":
                return json_reply({"query": {"tokens": {"logintoken": "1" * 32 + "+\\"}}})
            if action == "login":  # a bot password
                provider.append("botpassword")
                return json_reply({"login": {"result": "Success", "lguserid": 7, "lgusername": "Bot"}})
            if action == "clientlogin":  # a main account
                provider.append("centralauth")
                return json_reply({"clientlogin": {"status": "PASS", "username": "Bot"}})
            if action == "centralauthtoken":
                if not provider:
                    return json_reply({"errors": [{"code": "notloggedin", "text": "Anonymous users cannot obtain a centralauthtoken."}]})
                if provider[-1] != "centralauth":
                    return json_reply({"errors": [{"code": "badsession", "text": "Can only obtain a centralauthtoken when using CentralAuth sessions."}]})
                issued.append(f"cat{len(issued):04d}")
                return json_reply({"centralauthtoken": {"centralauthtoken": issued[-1]}})
            return json_reply({"errors": [{"code": "unknown", "text": "?"}]})
        # The foreign wiki: every request must carry a fresh token in its URL.
        token = req.url_params.get("centralauthtoken")
        if token not in issued:
            return json_reply({"errors": [{"code": "badtoken", "text": "The centralauthtoken is not valid."}]})
        issued.remove(token)
        if req.params.get("meta") == "tokens":
            return json_reply({"query": {"tokens": {"watchtoken": "f" * 32 + "+\\"}}})
        if action == "watch":
            assert req.params["token"] == "f" * 32 + "+\\"
            return json_reply({"watch": [{"title": req.params["titles"], "watched": True}]})
        return json_reply({"query": {"userinfo": {"id": 7, "name": "Bot"}}})

    return handler


def test_centralauth_foreign_call(make_double: Any) -> None:
    handler = _central_handler()
    home = make_double(handler)
    foreign_url = home.url.replace("/w/", "/foreign/")
    with mwauth.Session(home.url, user_agent=UA) as s:
        # A bot-password session gets badsession: nothing reaches the foreign wiki.
        s.login("Bot@app", "0123456789abcdefghijklmnopqrstuv")
        with pytest.raises(mwauth.CentralAuthSessionError) as refused:
            s.foreign(foreign_url).call("query", {"meta": "userinfo"})
        assert "main-account login" in str(refused.value)
        assert not any(r.path.startswith("/foreign/") for r in home.requests)
        s.client_login("Bot", "a main-account password")
        other = s.foreign(foreign_url)
        assert other.api_url == foreign_url
        me = other.call("query", {"meta": "userinfo"})
        assert me["query"]["userinfo"]["name"] == "Bot"
        watched = other.call("watch", {"titles": "File:Example.jpg"}, method="POST", token_type="watch")
        assert watched["watch"][0]["watched"] is True
    assert home.count(action="centralauthtoken") == 4  # the refused one, then one per foreign request


def test_centralauth_foreign_call_sans_io(make_double: Any) -> None:
    """The same foreign wiki through SansIOSession.foreign(url).call()."""
    home = make_double(_central_handler())
    foreign_url = home.url.replace("/w/", "/foreign/")
    s, driver = sansio_driver(home.url)
    driver.run(s.client_login("Bot", "a main-account password"))
    other = s.foreign(foreign_url)
    assert other.api_url == foreign_url
    assert "cat" not in repr(other)
    me = driver.run(other.call("query", {"meta": "userinfo"}))
    assert me["query"]["userinfo"]["name"] == "Bot"
    watched = driver.run(other.call("watch", {"titles": "File:Example.jpg"}, method="POST", token_type="watch"))
    assert watched["watch"][0]["watched"] is True
    assert home.count(action="centralauthtoken") == 3  # one per foreign request

    async def main() -> Any:
        a = mwauth.AsyncSession(home.url, user_agent=UA)
        await a.client_login("Bot", "a main-account password")
        return await a.foreign(foreign_url).call("query", {"meta": "userinfo"})

    assert asyncio.run(main())["query"]["userinfo"]["id"] == 7
