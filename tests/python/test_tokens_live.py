"""Each token type with the module that consumes it, on the real wiki, through
``mwauth.Session``: csrf -> edit, watch -> watch (and unwatch), patrol ->
patrol, rollback -> rollback, userrights -> userrights, createaccount ->
createaccount, login -> login.

Each test checks the wiki's state afterwards and that a token of another type
is refused with ``BadTokenError`` without a loop: with ``token_type=`` the
session refreshes the token once and retries once (three requests, counted by
a forwarding proxy between the session and the wiki), and a ``Token`` given by
hand is sent once. ``action=login`` answers a wrong token with the result
``WrongToken`` (not ``badtoken``), and the session does not retry it.

The wiki (``scripts/test-wiki.sh``) has patrolling on, lets the bot group
patrol, roll back and add or remove the group ``tokentest``, gives the bot
password the grants of these modules, and names a second account in its env
file (``MW_OTHER_USER``, ``MW_OTHER_PASSWORD``).
"""

from __future__ import annotations

import http.client
import os
import secrets
import threading
import time
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Dict, Iterator, List, Optional

import pytest

import mwauth
from conftest import UA, Wiki, _read_env

GROUP = "tokentest"
PAGE = "Main Page"


class CountingProxy:
    """Forwards every request to the wiki unchanged and records
    ``"METHOD action [meta type]"`` of each (never a token or a cookie)."""

    def __init__(self, api_url: str) -> None:
        target = urllib.parse.urlsplit(api_url)
        self.host, self.port = target.hostname or "127.0.0.1", target.port or 80
        self.log: List[str] = []
        self.lock = threading.Lock()
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
                pass

            def _forward(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                query = urllib.parse.urlsplit(self.path).query
                params = dict(urllib.parse.parse_qsl(query))
                params.update(urllib.parse.parse_qsl(body.decode()))
                line = " ".join(
                    p for p in (self.command, params.get("action", ""), params.get("meta"), params.get("type")) if p
                )
                with proxy.lock:
                    proxy.log.append(line)
                headers = {k: v for k, v in self.headers.items() if k.lower() not in ("host", "connection")}
                conn = http.client.HTTPConnection(proxy.host, proxy.port, timeout=30)
                conn.request(self.command, self.path, body=body or None, headers=headers)
                resp = conn.getresponse()
                payload = resp.read()
                self.send_response(resp.status, resp.reason)
                for k, v in resp.getheaders():
                    if k.lower() not in ("connection", "transfer-encoding", "content-length", "keep-alive"):
                        self.send_header(k, v)
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)
                conn.close()

            do_GET = _forward
            do_POST = _forward

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        self.api_url = f"http://127.0.0.1:{self.server.server_address[1]}{target.path}"

    def since(self, n: int) -> List[str]:
        with self.lock:
            return self.log[n:]

    def mark(self) -> int:
        with self.lock:
            return len(self.log)

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def other_account() -> Dict[str, str]:
    env = _read_env(os.environ["MW_TEST_ENV"])
    if "MW_OTHER_USER" not in env:
        pytest.fail("the wiki's env file has no MW_OTHER_USER: restart it with this scripts/test-wiki.sh")
    return {"user": env["MW_OTHER_USER"], "password": env["MW_OTHER_PASSWORD"]}


@pytest.fixture
def proxy(wiki: Wiki) -> Iterator[CountingProxy]:
    p = CountingProxy(wiki.api_url)
    yield p
    p.close()


@pytest.fixture
def bot(wiki: Wiki, proxy: CountingProxy) -> Iterator[mwauth.Session]:
    with mwauth.Session(proxy.api_url, user_agent=UA) as s:
        s.login(wiki.bot_user, wiki.bot_password)
        yield s


@pytest.fixture
def other(wiki: Wiki, other_account: Dict[str, str]) -> Iterator[mwauth.Session]:
    with mwauth.Session(wiki.api_url, user_agent=UA) as s:
        user = s.client_login(other_account["user"], other_account["password"])
        assert isinstance(user, mwauth.User) and user.name == other_account["user"]
        yield s


def unique(prefix: str) -> str:
    return f"{prefix} py {os.getpid()} {time.time_ns()}"


def query(s: mwauth.Session, **params: str) -> Dict[str, Any]:
    return s.call("query", params).data["query"]


def refused_with_badtoken(
    s: mwauth.Session, proxy: CountingProxy, action: str, params: Dict[str, Any], wrong: str, token_param: str = "token"
) -> None:
    """A token of type ``wrong`` is refused with BadTokenError: through
    ``token_type=`` after one refresh and one retry, by hand after one POST."""
    token = s.token(wrong)
    before = proxy.mark()
    with pytest.raises(mwauth.BadTokenError) as e:
        s.post(action, params, token_type=wrong, token_param=token_param)
    assert e.value.code == "badtoken"
    assert proxy.since(before) == [f"POST {action}", f"GET query tokens {wrong}", f"POST {action}"]
    assert token.secret() not in str(e.value) and token.secret() not in repr(e.value)

    fresh = s.token(wrong)
    before = proxy.mark()
    with pytest.raises(mwauth.BadTokenError):
        s.post(action, {**params, token_param: fresh})
    assert proxy.since(before) == [f"POST {action}"]


def create_account(s: mwauth.Session, name: str) -> mwauth.Response:
    password = mwauth.Password("Acc-" + secrets.token_hex(12))
    return s.post(
        "createaccount",
        {"username": name, "password": password, "retype": password, "createreturnurl": "http://127.0.0.1/"},
        token_type="createaccount",
        token_param="createtoken",
    )


def create_page(s: mwauth.Session, title: str, text: str) -> int:
    r = s.post("edit", {"title": title, "text": text, "createonly": 1, "summary": "mwauth test"}, token_type="csrf")
    return int(r["edit"]["newrevid"])


def append(s: mwauth.Session, title: str, text: str) -> int:
    r = s.post("edit", {"title": title, "appendtext": text, "nocreate": 1, "summary": "mwauth test"}, token_type="csrf")
    return int(r["edit"]["newrevid"])


def page(s: mwauth.Session, title: str, **params: str) -> Dict[str, Any]:
    pages: List[Dict[str, Any]] = query(s, titles=title, **params)["pages"]
    return pages[0]


def text_of(s: mwauth.Session, title: str) -> str:
    rev = page(s, title, prop="revisions", rvprop="content", rvslots="main")["revisions"][0]
    return str(rev["slots"]["main"]["content"])


def watched(s: mwauth.Session, title: str) -> bool:
    return bool(page(s, title, prop="info", inprop="watched")["watched"])


def groups(s: mwauth.Session, user: str) -> List[str]:
    return list(query(s, list="users", ususers=user, usprop="groups")["users"][0]["groups"])


def exists(s: mwauth.Session, user: str) -> bool:
    return "missing" not in query(s, list="users", ususers=user)["users"][0]


def recent_change(s: mwauth.Session, title: str, user: str) -> Dict[str, Any]:
    rcs: List[Dict[str, Any]] = query(
        s, list="recentchanges", rctitle=title, rcuser=user, rcprop="ids|patrolled|user"
    )["recentchanges"]
    return rcs[0]


def test_csrf_token_edits_and_a_watch_token_is_refused(wiki: Wiki, bot: mwauth.Session, proxy: CountingProxy) -> None:
    marker = unique("csrf")
    params = {"title": PAGE, "appendtext": f"\n{marker}", "summary": "mwauth token test"}
    refused_with_badtoken(bot, proxy, "edit", params, "watch")
    assert marker not in text_of(bot, PAGE)
    r = bot.post("edit", params, token_type="csrf")
    assert r["edit"]["result"] == "Success"
    rev = query(bot, prop="revisions", revids=str(r["edit"]["newrevid"]), rvprop="user|content", rvslots="main")
    rev = rev["pages"][0]["revisions"][0]
    assert rev["user"] == wiki.main_user and marker in rev["slots"]["main"]["content"]


def test_watch_token_watches_and_unwatches(bot: mwauth.Session, proxy: CountingProxy) -> None:
    title = unique("Tokens watch")
    refused_with_badtoken(bot, proxy, "watch", {"titles": title}, "csrf")
    assert not watched(bot, title)
    r = bot.post("watch", {"titles": title}, token_type="watch")
    assert r["watch"][0]["watched"] is True
    assert watched(bot, title)
    refused_with_badtoken(bot, proxy, "watch", {"titles": title, "unwatch": 1}, "csrf")
    assert watched(bot, title)
    r = bot.post("watch", {"titles": title, "unwatch": 1}, token_type="watch")
    assert r["watch"][0]["unwatched"] is True
    assert not watched(bot, title)


def test_patrol_token_patrols_another_users_change(
    bot: mwauth.Session, other: mwauth.Session, other_account: Dict[str, str], proxy: CountingProxy
) -> None:
    title = unique("Tokens patrol")
    create_page(other, title, "to be patrolled")
    rc = recent_change(bot, title, other_account["user"])
    assert rc["patrolled"] is False
    refused_with_badtoken(bot, proxy, "patrol", {"rcid": rc["rcid"]}, "csrf")
    assert recent_change(bot, title, other_account["user"])["patrolled"] is False
    r = bot.post("patrol", {"rcid": rc["rcid"]}, token_type="patrol")
    assert r["patrol"]["rcid"] == rc["rcid"] and r["patrol"]["title"] == title
    assert recent_change(bot, title, other_account["user"])["patrolled"] is True


def test_rollback_token_reverts_another_users_edit(
    bot: mwauth.Session, other: mwauth.Session, other_account: Dict[str, str], proxy: CountingProxy
) -> None:
    title = unique("Tokens rollback")
    create_page(other, title, "one")
    bots = append(bot, title, "\ntwo")
    others = append(other, title, "\nthree")
    params = {"title": title, "user": other_account["user"]}
    refused_with_badtoken(bot, proxy, "rollback", params, "csrf")
    assert page(bot, title, prop="info")["lastrevid"] == others
    r = bot.post("rollback", params, token_type="rollback")
    assert r["rollback"]["old_revid"] == others and r["rollback"]["last_revid"] == bots
    assert page(bot, title, prop="info")["lastrevid"] == r["rollback"]["revid"]
    assert text_of(bot, title) == "one\ntwo"


def test_userrights_token_adds_and_removes_a_group(wiki: Wiki, bot: mwauth.Session, proxy: CountingProxy) -> None:
    name = unique("Tokens rights")
    with mwauth.Session(wiki.api_url, user_agent=UA) as anon:
        assert create_account(anon, name)["createaccount"]["status"] == "PASS"
    assert GROUP not in groups(bot, name)
    add = {"user": name, "add": GROUP, "reason": "mwauth token test"}
    refused_with_badtoken(bot, proxy, "userrights", add, "csrf")
    assert GROUP not in groups(bot, name)
    assert bot.post("userrights", add, token_type="userrights")["userrights"]["added"] == [GROUP]
    assert GROUP in groups(bot, name)
    remove = {"user": name, "remove": GROUP}
    refused_with_badtoken(bot, proxy, "userrights", remove, "csrf")
    assert GROUP in groups(bot, name)
    assert bot.post("userrights", remove, token_type="userrights")["userrights"]["removed"] == [GROUP]
    assert GROUP not in groups(bot, name)


def test_createaccount_token_creates_an_account(wiki: Wiki, proxy: CountingProxy) -> None:
    name = unique("Tokens account")
    with mwauth.Session(proxy.api_url, user_agent=UA) as anon:
        password = mwauth.Password("Acc-" + secrets.token_hex(12))
        params = {"username": name, "password": password, "retype": password, "createreturnurl": "http://127.0.0.1/"}
        refused_with_badtoken(anon, proxy, "createaccount", params, "login", token_param="createtoken")
        assert not exists(anon, name)
        r = create_account(anon, name)
        assert r["createaccount"]["status"] == "PASS" and r["createaccount"]["username"] == name
        assert exists(anon, name)
        # The API does not log the creator in as the new account.
        assert anon.user is None
        assert query(anon, meta="userinfo")["userinfo"].get("anon") is True


def test_login_token_logs_in_and_another_type_gets_wrongtoken(wiki: Wiki, proxy: CountingProxy) -> None:
    with mwauth.Session(proxy.api_url, user_agent=UA) as s:
        s.token("login")  # the session holds a login token (else: Failed, sessionlost)
        before = proxy.mark()
        login: Dict[str, Optional[Any]] = {"lgname": wiki.bot_user, "lgpassword": mwauth.Password(wiki.bot_password)}
        r = s.post("login", login, token_type="createaccount", token_param="lgtoken")
        assert r["login"]["result"] == "WrongToken"
        assert proxy.since(before) == ["GET query tokens createaccount", "POST login"]
        assert s.user is None
        assert query(s, meta="userinfo")["userinfo"].get("anon") is True
        user = s.login(wiki.bot_user, wiki.bot_password)
        assert user.name == wiki.main_user
        assert query(s, meta="userinfo")["userinfo"]["name"] == wiki.main_user
