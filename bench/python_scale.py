"""Memory per logged-in ``mwauth.Session``: N sessions held in one process,
each logged in (login token, login) with its csrf token cached, against the
fast loopback server of recorded MediaWiki responses (``mw-bench serve``).
RSS growth (``VmRSS`` of ``/proc/self/status``) over the process after a
first session (the runtime, TLS and the first connection are in the base),
per session, at checkpoints up to ``--max``. With ``--close`` the server
answers ``Connection: close``, so the figure is what the sessions
themselves hold; without, the keep-alive connections stay open (the
default; the sessions of a process share a pool of them).

Target ("Performance at the floor"): at most 12 KiB per session with the
connection open. Tiny ``--max`` (say 20) is a smoke test: the figure is
then mostly the allocator's first arenas, and the verdict means nothing.

    python bench/python_scale.py --mw-bench target/release/mw-bench [--max 10000] [--close]
    python bench/python_scale.py --url URL [--max N]
"""

from __future__ import annotations

import argparse
import gc
import subprocess
import sys
from typing import List, Optional, Tuple

import mwauth

UA = "mw-bench/0.0 (https://github.com/mw-auth/mw-auth; bench@example.org)"
BOT = "TestBot@client"
BOT_PASSWORD = "0123456789abcdefghijklmnopqrstuv"
TARGET_KIB = 12.0
CHECKPOINTS = (100, 500, 1000, 2000, 5000, 7500, 10000)


def rss_kib() -> int:
    with open("/proc/self/status", encoding="ascii") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    raise RuntimeError("no VmRSS in /proc/self/status")


def logged_in(url: str) -> mwauth.Session:
    s = mwauth.Session(url, user_agent=UA)
    s.login(BOT, BOT_PASSWORD)
    s.token("csrf")
    return s


def start_server(mw_bench: str, close: bool) -> Tuple[subprocess.Popen, str]:
    args = [mw_bench, "serve"] + (["--close"] if close else [])
    child = subprocess.Popen(args, stdout=subprocess.PIPE, stdin=subprocess.DEVNULL, text=True)
    assert child.stdout is not None
    line = child.stdout.readline().strip()
    if not line.startswith("url "):
        child.kill()
        raise RuntimeError(f"the server said {line!r}")
    return child, line[len("url ") :]


def measure(url: str, n: int) -> Tuple[int, List[Tuple[int, int]]]:
    first = logged_in(url)
    gc.collect()
    base = rss_kib()
    sessions: List[mwauth.Session] = []
    points = []
    for stop in [c for c in CHECKPOINTS if c < n] + [n]:
        while len(sessions) < stop:
            sessions.append(logged_in(url))
        gc.collect()
        points.append((stop, rss_kib()))
    for s in sessions:
        assert s.user is not None, "not logged in"
    del first
    return base, points


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", help="a running `mw-bench serve` (else one is started)")
    parser.add_argument("--mw-bench", default="target/release/mw-bench")
    parser.add_argument("--max", type=int, default=10000)
    parser.add_argument("--close", action="store_true", help="the server closes each connection")
    args = parser.parse_args()
    child: Optional[subprocess.Popen] = None
    url = args.url
    if url is None:
        child, url = start_server(args.mw_bench, args.close)
    elif args.close:
        parser.error("--close starts its own server: give no --url")
    try:
        base, points = measure(url, max(1, args.max))
    finally:
        if child is not None:
            child.kill()
            child.wait()
    state = "the server closed the connection" if args.close else "keep-alive connection open"
    print(f"mwauth Session (logged in, csrf cached, {state}): RSS growth over the base process ({base} KiB)")
    print(f"  {'held':>7}  {'growth KiB':>10}  {'KiB/session':>14}")
    for held, rss in points:
        print(f"  {held:>7}  {rss - base:>10}  {(rss - base) / held:>14.2f}")
    held, rss = points[-1]
    per = (rss - base) / held
    verdict = "PASS" if per <= TARGET_KIB else "FAIL"
    name = "python_closed" if args.close else "python"
    print(f"RESULT {name}_sessions={held} kib_per_session={per:.2f} target<={TARGET_KIB:g}: {verdict}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
