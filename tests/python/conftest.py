"""Fixtures of the mwauth tests: the real test wiki and loopback doubles.

The real wiki is described by the env file named in ``MW_TEST_ENV``
(``scripts/test-wiki.sh start DIR`` prints its path). Without it every test
fails: these tests are never skipped.
"""

from __future__ import annotations

import json
import os
import sys
import threading
import urllib.parse
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Callable, Dict, Iterator, List, Optional, Tuple

import pytest
import requests

import mwauth
from mwauth.sansio import Driver, requests_sender

# scripts/oath_window.py: the two-factor wiki's codes, shared with
# scripts/check-docs.py.
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "scripts"))

UA = "mwauth-tests/0.1 (https://github.com/mw-auth/mw-auth; tests@example.org)"


def pytest_report_header() -> str:
    return f"mwauth {mwauth.__version__} from {os.path.dirname(mwauth.__file__)}"


def pytest_configure(config: pytest.Config) -> None:
    """scripts/test-python.sh names the virtualenv it installed the wheel into
    (``MWAUTH_TEST_INSTALLED_IN``): the run fails unless the package under test,
    its native module included, is the one installed there (not the source
    tree's python/, nor another installation)."""
    venv = os.environ.get("MWAUTH_TEST_INSTALLED_IN")
    if not venv:
        return
    venv = os.path.realpath(venv)
    for module in (mwauth, mwauth._native):
        where = os.path.realpath(module.__file__ or "")
        if not where.startswith(venv + os.sep):
            raise pytest.UsageError(f"{module.__name__} was imported from {where}, not from the virtualenv {venv}")


@dataclass(frozen=True)
class Wiki:
    api_url: str
    bot_user: str
    bot_password: str = field(repr=False)
    main_user: str
    main_password: str = field(repr=False)


def _read_env(path: str) -> Dict[str, str]:
    values: Dict[str, str] = {}
    with open(path, encoding="utf-8") as f:
        for line in f:
            line = line.strip()
            if line and not line.startswith("#") and "=" in line:
                key, value = line.split("=", 1)
                values[key.strip()] = value.strip()
    return values


@pytest.fixture(scope="session")
def wiki() -> Wiki:
    path = os.environ.get("MW_TEST_ENV")
    if not path:
        pytest.fail("MW_TEST_ENV is not set: start a wiki with scripts/test-wiki.sh start DIR", pytrace=False)
    env = _read_env(path)
    try:
        return Wiki(
            api_url=env["MW_API_URL"],
            bot_user=env["MW_BOT_USER"],
            bot_password=env["MW_BOT_PASSWORD"],
            main_user=env["MW_MAIN_USER"],
            main_password=env["MW_MAIN_PASSWORD"],
        )
    except KeyError as e:
        pytest.fail(f"{path} lacks {e}", pytrace=False)


@pytest.fixture(autouse=True, scope="session")
def _require_wiki(wiki: Wiki) -> None:
    """Every test needs MW_TEST_ENV, even those that only use doubles."""


@pytest.fixture
def session(wiki: Wiki) -> Iterator[mwauth.Session]:
    with mwauth.Session(wiki.api_url, user_agent=UA) as s:
        yield s


@pytest.fixture
def bot_session(wiki: Wiki) -> Iterator[mwauth.Session]:
    with mwauth.Session(wiki.api_url, user_agent=UA) as s:
        s.login(wiki.bot_user, wiki.bot_password)
        yield s


def sansio_driver(api_url: str, **options: Any) -> Tuple[mwauth.SansIOSession, Driver]:
    session = mwauth.SansIOSession(api_url, user_agent=UA, **options)
    return session, Driver(session, requests_sender(requests.Session(), timeout=10))


# ---- a loopback test double ----


@dataclass
class Request:
    method: str
    path: str
    params: Dict[str, str]
    """Query string and form body together (the form wins)."""
    url_params: Dict[str, str]
    headers: Dict[str, str]


Reply = Tuple[int, Dict[str, str], bytes]


def json_reply(body: Any, status: int = 200, headers: Optional[Dict[str, str]] = None) -> Reply:
    h = {"Content-Type": "application/json; charset=utf-8"}
    h.update(headers or {})
    return status, h, json.dumps(body).encode()


@dataclass
class Double:
    """A tiny HTTP server on 127.0.0.1 that answers with ``handler`` and
    remembers every request."""

    handler: Callable[[Request], Reply]
    requests: List[Request] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)
    server: Optional[ThreadingHTTPServer] = None

    @property
    def url(self) -> str:
        assert self.server is not None
        host, port = self.server.server_address[:2]
        return f"http://{host}:{port}/w/api.php"

    def count(self, **match: str) -> int:
        with self.lock:
            return sum(1 for r in self.requests if all(r.params.get(k) == v for k, v in match.items()))


def _start(double: Double) -> None:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
            pass

        def _serve(self) -> None:
            parsed = urllib.parse.urlsplit(self.path)
            url_params = dict(urllib.parse.parse_qsl(parsed.query, keep_blank_values=True))
            params = dict(url_params)
            length = int(self.headers.get("Content-Length") or 0)
            if length:
                body = self.rfile.read(length).decode()
                params.update(urllib.parse.parse_qsl(body, keep_blank_values=True))
            req = Request(self.command, parsed.path, params, url_params, dict(self.headers.items()))
            with double.lock:
                double.requests.append(req)
            status, headers, payload = double.handler(req)
            self.send_response(status)
            for k, v in headers.items():
                self.send_header(k, v)
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

        do_GET = _serve
        do_POST = _serve

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    double.server = server
    threading.Thread(target=server.serve_forever, daemon=True).start()


@pytest.fixture
def make_double() -> Iterator[Callable[[Callable[[Request], Reply]], Double]]:
    doubles: List[Double] = []

    def make(handler: Callable[[Request], Reply]) -> Double:
        d = Double(handler)
        _start(d)
        doubles.append(d)
        return d

    yield make
    for d in doubles:
        assert d.server is not None
        d.server.shutdown()
        d.server.server_close()
