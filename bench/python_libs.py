"""The seed flow (login, csrf token, checktoken, logout) with the Python
libraries bot authors use, side by side in one run against a real MediaWiki
(the test wiki of ``scripts/test-wiki.sh``, whose env file ``--env`` names):

* ``requests`` running the seed pages' own sample code (the baseline);
* ``mwauth.Session`` (this project's wheel);
* ``mwclient`` (``Site`` on a shared ``requests.Session``, one per flow:
  its constructor's ``meta=siteinfo`` is part of how it logs in);
* ``pywikibot`` (an ``AutoFamily`` site, a bot password in a password
  file, ``site.login()``, ``site.tokens``, ``simple_request``,
  ``site.logout()``).

For each: the requests of building the client and running the first flow
(cold: what one bot run costs) and of a later flow (warm), counted at ``requests.Session.send``
(for mwauth, from its DEBUG log, one record per request); then the client
CPU per flow (``time.process_time``: the server is another process) and the
wall time per flow, in turns, round after round, medians. A real wiki's PHP
time dominates the wall time: the CPU column is the client's own cost.

    python bench/python_libs.py --env ENV_FILE [--flows 20] [--rounds 3]

Run by scripts/bench.sh; docs/performance.md §2f.
"""

from __future__ import annotations

import argparse
import logging
import os
import statistics
import tempfile
import time
from typing import Any, Callable, Dict, List, Tuple

import requests

import mwauth
import python_flows
from python_flows import UA


def read_env(path: str) -> Dict[str, str]:
    with open(path, encoding="utf-8") as f:
        return dict(line.rstrip("\n").split("=", 1) for line in f if "=" in line)


class Counter:
    """Counts what goes through ``requests.Session.send`` while on."""

    def __init__(self) -> None:
        self.n = 0
        self._orig = requests.Session.send

    def __enter__(self) -> "Counter":
        orig = self._orig

        def send(session: requests.Session, req: Any, **kw: Any) -> Any:
            self.n += 1
            return orig(session, req, **kw)

        requests.Session.send = send  # type: ignore[method-assign]
        return self

    def __exit__(self, *exc: object) -> None:
        requests.Session.send = self._orig  # type: ignore[method-assign]


class LogCounter(logging.Handler):
    """Counts mwauth's DEBUG records of sent requests."""

    def __init__(self) -> None:
        super().__init__(level=logging.DEBUG)
        self.n = 0
        self.log = logging.getLogger("mwauth")

    def emit(self, record: logging.LogRecord) -> None:
        if record.levelno == logging.DEBUG and record.getMessage().startswith("sending a request"):
            self.n += 1

    def __enter__(self) -> "LogCounter":
        self.log.addHandler(self)
        self.log.setLevel(logging.DEBUG)
        return self

    def __exit__(self, *exc: object) -> None:
        self.log.removeHandler(self)
        self.log.setLevel(logging.NOTSET)


def seed(env: Dict[str, str]) -> Callable[[], None]:
    S = requests.Session()
    S.headers["User-Agent"] = UA
    return lambda: python_flows.requests_seed_flow(S, env["MW_API_URL"])


def mwauth_flow(env: Dict[str, str]) -> Callable[[], None]:
    s = mwauth.Session(env["MW_API_URL"], user_agent=UA)
    return lambda: python_flows.mwauth_flow(s)


def mwclient_flow(env: Dict[str, str]) -> Callable[[], None]:
    import mwclient

    pool = requests.Session()
    scheme, _, rest = env["MW_API_URL"].partition("://")
    host, _, path = rest.partition("/")
    path = "/" + path.rsplit("api.php", 1)[0]

    def flow() -> None:
        site = mwclient.Site(host, path=path, scheme=scheme, pool=pool, clients_useragent=UA)
        site.login(env["MW_BOT_USER"], env["MW_BOT_PASSWORD"])
        token = site.get_token("csrf")
        assert site.api("checktoken", type="csrf", token=token)["checktoken"]["result"] == "valid"
        assert site.api("logout", token=token) == {}

    return flow


def pywikibot_flow(env: Dict[str, str]) -> Callable[[], None]:
    home = tempfile.mkdtemp(prefix="pwb-")
    os.environ["PYWIKIBOT_DIR"] = home
    os.environ["PYWIKIBOT_NO_USER_CONFIG"] = "2"
    # Without a user config pywikibot keeps its files (the cookie jar, the
    # API cache) in the directory it was imported from: make that `home`.
    cwd = os.getcwd()
    os.chdir(home)
    try:
        import pywikibot
        from pywikibot import config
        from pywikibot.family import AutoFamily
    finally:
        os.chdir(cwd)

    user, _, app = env["MW_BOT_USER"].partition("@")
    password_file = os.path.join(home, "passwordfile")
    with open(password_file, "w", encoding="utf-8") as f:
        f.write(f"({'bench'!r}, {'bench'!r}, {user!r}, BotPassword({app!r}, {env['MW_BOT_PASSWORD']!r}))\n")
    os.chmod(password_file, 0o600)
    config.password_file = password_file
    config.user_agent_description = "mw-bench"
    config.put_throttle = 0
    config.usernames["bench"]["bench"] = user
    site = pywikibot.Site("bench", AutoFamily("bench", env["MW_API_URL"]), user=user)

    def flow() -> None:
        site.login()
        token = site.tokens["csrf"]
        r = site.simple_request(action="checktoken", type="csrf", token=token).submit()
        assert r["checktoken"]["result"] == "valid", r
        site.logout()

    return flow


def counted(name: str, make: Callable[[Dict[str, str]], Callable[[], None]], env: Dict[str, str]) -> Tuple[Callable[[], None], int, int]:
    """The flow, the requests of building its client and running it once
    (cold), and of the next run (warm)."""
    with (LogCounter() if name == "mwauth" else Counter()) as cold:
        flow = make(env)
        flow()
    with (LogCounter() if name == "mwauth" else Counter()) as warm:
        flow()
    return flow, cold.n, warm.n


def timed(flow: Callable[[], None], flows: int) -> Tuple[float, float]:
    """Client CPU µs per flow and wall ms per flow."""
    cpu = time.process_time()
    start = time.perf_counter()
    for _ in range(flows):
        flow()
    return (time.process_time() - cpu) * 1e6 / flows, (time.perf_counter() - start) * 1e3 / flows


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--env", required=True, help="a test wiki's env file (scripts/test-wiki.sh)")
    ap.add_argument("--flows", type=int, default=20, help="flows per contender per round")
    ap.add_argument("--rounds", type=int, default=3)
    args = ap.parse_args()
    env = read_env(args.env)
    # The seed code and the mwauth flow are python_flows.py's, which log in
    # as its BOT: this wiki's bot password instead.
    python_flows.BOT, python_flows.BOT_PASSWORD = env["MW_BOT_USER"], env["MW_BOT_PASSWORD"]

    makers = {"requests": seed, "mwauth": mwauth_flow, "mwclient": mwclient_flow, "pywikibot": pywikibot_flow}
    flows: Dict[str, Callable[[], None]] = {}
    reqs: Dict[str, Tuple[int, int]] = {}
    for name, make in makers.items():
        flows[name], cold, warm = counted(name, make, env)
        reqs[name] = (cold, warm)
    cpus: Dict[str, List[float]] = {k: [] for k in flows}
    walls: Dict[str, List[float]] = {k: [] for k in flows}
    for i in range(args.rounds):
        for name, flow in flows.items():
            c, w = timed(flow, args.flows)
            cpus[name].append(c)
            walls[name].append(w)
        print(f"  round {i}: " + ", ".join(f"{k} {cpus[k][-1]:.0f} µs CPU/flow" for k in flows), flush=True)
    base = statistics.median(cpus["requests"])
    print(f"Python libraries, the seed flow on a real MediaWiki ({args.rounds} rounds of {args.flows} flows, medians):")
    print(f"  {'':<22} {'requests/flow':>14} {'client CPU/flow':>16} {'vs requests':>12} {'wall/flow':>10}")
    for name, label in (
        ("requests", "requests (seed code)"),
        ("mwauth", "mwauth.Session"),
        ("mwclient", "mwclient"),
        ("pywikibot", "pywikibot"),
    ):
        cold, warm = reqs[name]
        cpu = statistics.median(cpus[name])
        print(
            f"  {label:<22} {cold:>6} cold {warm:>2} warm {cpu:>12.0f} µs {cpu / base:>11.2f}x "
            f"{statistics.median(walls[name]):>7.1f} ms"
        )
    print(
        "RESULT "
        + " ".join(
            f"{k}_requests={reqs[k][0]}/{reqs[k][1]} {k}_cpu_us={statistics.median(cpus[k]):.0f}" for k in flows
        )
    )


if __name__ == "__main__":
    main()
