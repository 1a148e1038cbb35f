"""Seed flow (login token, login, csrf token, checktoken, logout) per second:
Python ``requests`` running the seed pages' own sample code (the baseline),
the ``mwauth`` wheel's synchronous Session, and the Rust mw-transport Client
(``mw-bench flows --only-client``, a subprocess), all against the same fast
loopback server of recorded MediaWiki responses (``mw-bench serve``).

The three run in turns, round after round, so that the machine's load
(another job, a fuzzer) hits them alike; the ratios are medians of the
per-round ratios. Run by scripts/bench.sh; docs/performance.md.

    python bench/python_flows.py --url URL --mw-bench target/release/mw-bench [--secs 3] [--rounds 5]
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import time
from typing import Callable, Dict, List, Tuple

import requests

import mwauth

UA = "mw-bench/0.0 (https://github.com/mw-auth/mw-auth; bench@example.org)"
BOT = "TestBot@client"
BOT_PASSWORD = "0123456789abcdefghijklmnopqrstuv"


def requests_seed_flow(S: requests.Session, URL: str) -> None:
    """The API:Logout sample (steps 1-4), verbatim but for URL and
    credentials, with the API:Checktoken sample's request (the real token in
    place of ``123ABC``) between steps 3 and 4."""
    PARAMS_0 = {"action": "query", "meta": "tokens", "type": "login", "format": "json"}
    R = S.get(url=URL, params=PARAMS_0)
    DATA = R.json()
    LOGIN_TOKEN = DATA["query"]["tokens"]["logintoken"]
    PARAMS_1 = {
        "action": "login",
        "lgname": BOT,
        "lgpassword": BOT_PASSWORD,
        "lgtoken": LOGIN_TOKEN,
        "format": "json",
    }
    R = S.post(URL, data=PARAMS_1)
    DATA = R.json()
    PARAMS_2 = {"action": "query", "meta": "tokens", "format": "json"}
    R = S.get(url=URL, params=PARAMS_2)
    DATA = R.json()
    CSRF_TOKEN = DATA["query"]["tokens"]["csrftoken"]
    PARAMS = {"action": "checktoken", "token": CSRF_TOKEN, "type": "csrf", "format": "json"}
    R = S.get(url=URL, params=PARAMS)
    DATA = R.json()
    assert DATA["checktoken"]["result"] == "valid", DATA
    PARAMS_3 = {"action": "logout", "token": CSRF_TOKEN, "format": "json"}
    R = S.post(URL, data=PARAMS_3)
    DATA = R.json()
    assert DATA == {}, DATA


def mwauth_flow(s: mwauth.Session) -> None:
    s.login(BOT, BOT_PASSWORD)
    token = s.token("csrf")
    assert s.check_token("csrf", token).valid
    assert s.logout() == mwauth.LogoutOutcome.LOGGED_OUT


def rate(secs: float, flow: Callable[[], None]) -> Tuple[float, float]:
    """Flows per second, and the process's CPU time per flow in µs (all
    its threads: mwauth's Tokio workers included)."""
    for _ in range(10):  # warm-up: connection, caches
        flow()
    n = 0
    cpu = time.process_time()
    start = time.perf_counter()
    deadline = start + secs
    while n == 0 or time.perf_counter() < deadline:
        flow()
        n += 1
    elapsed = time.perf_counter() - start
    return n / elapsed, (time.process_time() - cpu) * 1e6 / n


def rust_rate(mw_bench: str, url: str, secs: float) -> Tuple[float, float]:
    out = subprocess.run(
        [mw_bench, "flows", "--url", url, "--only-client", "--secs", str(secs), "--rounds", "1"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    for line in out.splitlines():
        if line.startswith("RESULT rust_client_flows_per_s="):
            fields = dict(f.split("=", 1) for f in line.split()[1:])
            return float(fields["rust_client_flows_per_s"]), float(fields["cpu_us_per_flow"])
    raise RuntimeError(f"mw-bench said: {out!r}")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--url", required=True)
    ap.add_argument("--mw-bench", required=True)
    ap.add_argument("--secs", type=float, default=3.0)
    ap.add_argument("--rounds", type=int, default=5)
    args = ap.parse_args()

    S = requests.Session()
    s = mwauth.Session(args.url, user_agent=UA)
    names = ("requests", "mwauth", "rust")
    rates: Dict[str, List[float]] = {k: [] for k in names}
    cpus: Dict[str, List[float]] = {k: [] for k in names}
    for i in range(args.rounds):
        for k, (r, c) in (
            ("requests", rate(args.secs, lambda: requests_seed_flow(S, args.url))),
            ("mwauth", rate(args.secs, lambda: mwauth_flow(s))),
            ("rust", rust_rate(args.mw_bench, args.url, args.secs)),
        ):
            rates[k].append(r)
            cpus[k].append(c)
        print(
            f"  round {i}: "
            + ", ".join(f"{k} {rates[k][-1]:.0f} flows/s ({cpus[k][-1]:.0f} µs CPU/flow)" for k in names),
            flush=True,
        )
    med = {k: statistics.median(v) for k, v in rates.items()}
    cpu = {k: statistics.median(v) for k, v in cpus.items()}
    ratio = {k: statistics.median(r / b for r, b in zip(rates[k], rates["requests"])) for k in ("rust", "mwauth")}
    cpu_ratio = {k: statistics.median(b / c for c, b in zip(cpus[k], cpus["requests"])) for k in ("rust", "mwauth")}
    print(f"python seed flows (5 requests, sequential, keep-alive; {args.rounds} rounds of {args.secs}s, medians):")
    for k, label in (("requests", "requests (seed code)"), ("mwauth", "mwauth.Session"), ("rust", "Rust mw-transport")):
        print(
            f"  {label:<22} {med[k]:>8.0f} flows/s  {1e6 / med[k]:>8.1f} µs/flow  {cpu[k]:>8.1f} µs client CPU/flow"
        )
    for k, target in (("rust", 10.0), ("mwauth", 3.0)):
        verdict = "PASS" if ratio[k] >= target else "FAIL"
        print(
            f"  {k:<6} vs requests: {ratio[k]:.2f}x flows/s (target >= {target:g}x: {verdict}); "
            f"{cpu_ratio[k]:.2f}x less client CPU per flow"
        )
    print(
        f"RESULT requests={med['requests']:.1f} mwauth={med['mwauth']:.1f} rust={med['rust']:.1f} "
        f"rust_ratio={ratio['rust']:.2f} mwauth_ratio={ratio['mwauth']:.2f} "
        f"rust_cpu_ratio={cpu_ratio['rust']:.2f} mwauth_cpu_ratio={cpu_ratio['mwauth']:.2f}"
    )


if __name__ == "__main__":
    main()
