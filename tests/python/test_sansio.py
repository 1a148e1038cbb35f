"""SansIOSession driven by hand with ``requests`` against the real wiki, and
its timing and transport inputs against doubles."""

from __future__ import annotations

import json
import time
from typing import Any

import pytest
import requests

import mwauth
from conftest import UA, Request, Wiki, json_reply, sansio_driver


def drive(session: mwauth.SansIOSession, http: requests.Session, op: int) -> Any:
    """The loop a requests user writes: send, feed back, poll events."""
    while True:
        while (t := session.poll_transmit()) is not None:
            r = http.request(t.method, t.url, headers=dict(t.headers), data=t.body or None, timeout=10)
            session.handle_response(t.id, r.status_code, r.headers, r.content, time.monotonic())
        while (event := session.poll_event()) is not None:
            if event.op == op:
                return event.result()
        deadline = session.poll_timeout()
        assert deadline is not None, "the session is stuck"
        time.sleep(max(0.0, deadline - time.monotonic()))
        session.handle_timeout(time.monotonic())


def test_full_life_cycle_by_hand(wiki: Wiki) -> None:
    http = requests.Session()
    s = mwauth.SansIOSession(wiki.api_url, user_agent=UA)
    assert s.user is None and s.is_idle

    user = drive(s, http, s.login(wiki.bot_user, wiki.bot_password))
    assert isinstance(user, mwauth.User)
    assert user.name == wiki.bot_user.split("@")[0]
    assert s.user == user

    token = drive(s, http, s.token("csrf"))
    assert isinstance(token, mwauth.Token)
    assert not token.is_anonymous and token.timestamp is not None
    assert token.secret().endswith("+\\")

    check = drive(s, http, s.check_token("csrf", token))
    assert check.result == "valid" and check.valid and check.generated

    info = drive(s, http, s.call("query", {"meta": "userinfo", "uiprop": ["groups", "rights"]}))
    assert isinstance(info, mwauth.Response)
    assert info["query"]["userinfo"]["name"] == user.name
    assert "bot" in info.data["query"]["userinfo"]["groups"]

    assert drive(s, http, s.logout()) == mwauth.LogoutOutcome.LOGGED_OUT
    assert s.user is None
    assert s.is_idle


def test_requests_go_where_the_protocol_says(wiki: Wiki) -> None:
    s = mwauth.SansIOSession(wiki.api_url, user_agent=UA, maxlag=None)
    s.login(wiki.bot_user, "not-the-password")
    t = s.poll_transmit()
    assert t is not None
    assert t.method == "GET" and "meta=tokens" in t.url and "type=login" in t.url
    assert ("user-agent", UA) in t.headers
    assert t.body == b""
    assert s.poll_transmit() is None  # one request at a time per operation
    r = requests.get(t.url, headers=dict(t.headers), timeout=10)
    s.handle_response(t.id, r.status_code, r.headers, r.content)
    post = s.poll_transmit()
    assert post is not None and post.method == "POST"
    assert ("content-type", "application/x-www-form-urlencoded") in post.headers
    body = post.body.decode()
    assert body.startswith("action=login&")
    # The password and the token go in the body, never in the URL.
    assert "lgpassword=not-the-password" in body and "lgtoken=" in body
    assert "not-the-password" not in post.url


def test_concurrent_operations_share_one_token_fetch(wiki: Wiki) -> None:
    s, driver = sansio_driver(wiki.api_url)
    driver.run(s.login(wiki.bot_user, wiki.bot_password))
    ops = [s.token("csrf") for _ in range(5)] + [s.token("watch")]
    first = s.poll_transmit()
    assert first is not None and s.poll_transmit() is None
    assert "type=csrf%7Cwatch" in first.url or "type=watch%7Ccsrf" in first.url
    r = driver.send(first)
    s.handle_response(first.id, *r)
    events = {}
    while (e := s.poll_event()) is not None:
        events[e.op] = e.result()
    assert set(events) == set(ops)
    csrf = {events[op].secret() for op in ops[:5]}
    assert len(csrf) == 1
    driver.run(s.logout())


def test_snapshot_and_restore(wiki: Wiki) -> None:
    http = requests.Session()
    s = mwauth.SansIOSession(wiki.api_url, user_agent=UA)
    drive(s, http, s.login(wiki.bot_user, wiki.bot_password))
    token = drive(s, http, s.token("csrf"))
    snap = s.snapshot()
    data = json.loads(snap)
    assert data["endpoint"] == wiki.api_url
    assert wiki.bot_password not in snap  # never credentials

    # Same cookies (the requests.Session) + the snapshot = the same session.
    r = mwauth.SansIOSession.from_snapshot(snap, user_agent=UA)
    assert r.user is not None and r.user == s.user
    assert drive(r, http, r.token("csrf")) == token  # from the cache: no request
    assert drive(r, http, r.check_token("csrf", token)).valid
    assert drive(r, http, r.logout()) == mwauth.LogoutOutcome.LOGGED_OUT

    with pytest.raises(mwauth.InvalidInputError):
        mwauth.SansIOSession.from_snapshot("{not json")


def test_backoff_goes_through_poll_timeout(make_double: Any) -> None:
    answers = iter(
        [
            json_reply(
                {"errors": [{"code": "maxlag", "text": "Waiting for db: 2 seconds lagged.", "data": {"lag": 2}}]},
                headers={"Retry-After": "1"},
            ),
            json_reply({"batchcomplete": True, "query": {"general": {"sitename": "Double"}}}),
        ]
    )
    double = make_double(lambda req: next(answers))
    s, driver = sansio_driver(double.url)
    op = s.call("query", {"meta": "siteinfo"})
    t = s.poll_transmit()
    assert t is not None
    now = time.monotonic()
    s.handle_response(t.id, *driver.send(t), now)
    assert s.poll_event() is None and s.poll_transmit() is None
    deadline = s.poll_timeout()
    assert deadline is not None and deadline == pytest.approx(now + 1, abs=0.01)
    s.handle_timeout(now + 0.5)  # too early: nothing
    assert s.poll_transmit() is None
    s.handle_timeout(deadline)
    t2 = s.poll_transmit()
    assert t2 is not None
    s.handle_response(t2.id, *driver.send(t2))
    event = s.poll_event()
    assert event is not None and event.op == op and event.ok
    assert event.result()["query"]["general"]["sitename"] == "Double"
    assert double.count(action="query") == 2


def test_transport_errors_and_timeouts(make_double: Any) -> None:
    double = make_double(lambda req: json_reply({}))
    s = mwauth.SansIOSession(double.url, user_agent=UA)
    op1 = s.token("login")
    t = s.poll_transmit()
    assert t is not None
    s.handle_transport_error(t.id, "connection reset by peer")
    e1 = s.poll_event()
    assert e1 is not None and e1.op == op1 and not e1.ok
    with pytest.raises(mwauth.TransportError, match="connection reset"):
        e1.result()

    s.token("login")
    t = s.poll_transmit()
    assert t is not None
    s.handle_transport_error(t.id, "read timed out after 10s", timeout=True)
    e2 = s.poll_event()
    assert e2 is not None
    with pytest.raises(mwauth.TimeoutError) as info:
        e2.result()
    assert isinstance(info.value, TimeoutError)  # builtins.TimeoutError too
    assert isinstance(info.value, mwauth.TransportError)


def test_unknown_ids_and_bad_inputs(make_double: Any) -> None:
    double = make_double(lambda req: json_reply({}))
    s = mwauth.SansIOSession(double.url, user_agent=UA)
    s.handle_response(12345, 200, [], b"{}")  # ignored
    s.handle_transport_error(12345, "x")  # ignored
    with pytest.raises(mwauth.InvalidInputError):
        s.handle_response(1, 1000, [], b"{}")
    with pytest.raises(mwauth.InvalidInputError):
        s.handle_timeout(float("nan"))
    with pytest.raises(mwauth.InvalidInputError):
        s.token("not a type")
    with pytest.raises(mwauth.InvalidInputError):
        s.call("query", method="PUT")
    with pytest.raises(mwauth.InvalidInputError):
        s.call("query", {"titles": object()})
    with pytest.raises(mwauth.InvalidInputError):
        mwauth.SansIOSession("ftp://example.org/api.php", user_agent=UA)
    with pytest.raises(mwauth.InvalidInputError):
        s.foreign("not a url")
    # Headers as a list of byte pairs, a body as bytearray; odd headers skipped.
    op = s.call("query")
    t = s.poll_transmit()
    assert t is not None
    s.handle_response(t.id, 200, [(b"Content-Type", b"application/json"), ("Bad Name", "x")], bytearray(b"{}"))
    e = s.poll_event()
    assert e is not None and e.op == op and e.result().data == {}


def test_parameters_are_encoded_like_mediawiki_expects(make_double: Any) -> None:
    double = make_double(lambda req: json_reply({"batchcomplete": True}))
    s, driver = sansio_driver(double.url, maxlag=None)
    driver.run(
        s.call(
            "query",
            {
                "titles": ["A", "B"],
                "redirects": True,
                "converttitles": False,
                "limit": 5,
                "skip": None,
                "odd": ["a|b", "c"],
            },
        )
    )
    req: Request = double.requests[-1]
    assert req.method == "GET"
    p = req.params
    assert p["titles"] == "A|B" and p["redirects"] == "1" and p["limit"] == "5"
    assert "converttitles" not in p and "skip" not in p and "maxlag" not in p
    assert p["odd"] == "\x1fa|b\x1fc"
    assert p["format"] == "json" and p["formatversion"] == "2"

    # A Token value is a secret: POST, last in the body.
    driver.run(s.call("example", {"token": mwauth.Token("abc+\\"), "x": "1"}))
    req = double.requests[-1]
    assert req.method == "POST" and req.params["token"] == "abc+\\" and "token" not in req.url_params
