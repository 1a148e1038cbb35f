"""mwauth's AsyncSession against its synchronous Session, and concurrent
flows against one (issue 13 item 2), on the fast loopback server of recorded
MediaWiki responses (``mw-bench serve``).

Variants, run in turns round after round (so that the machine's load hits
them alike; the ratios are medians of the per-round ratios):

* ``sync``: one ``Session``, the seed flow (login, csrf token, checktoken,
  logout: 4 calls, 5 requests) back to back;
* ``async``: one ``AsyncSession``, the same flow, one coroutine;
* ``async x64 sessions``: 64 ``AsyncSession``\\ s, one coroutine each;
* ``shared x1`` / ``shared x64``: one logged-in ``AsyncSession`` and 1 or 64
  coroutines, each running a flow of 5 calls that always make a request
  (2 ``meta=tokens`` GETs through ``call``, 3 ``checktoken`` POSTs): the seed
  flow on one shared session would share its tokens and logins.

The CPU time is the process's (``time.process_time()``: the Python thread and
mwauth's Tokio threads; the server is another process), per flow.

    python bench/python_async.py --url URL [--secs 3] [--rounds 5] [--concurrency 64]
"""

from __future__ import annotations

import argparse
import asyncio
import functools
import statistics
import time
from typing import Awaitable, Callable, Dict, List, Tuple

import mwauth

# The sync side is python_flows.py's: the same flow, measured the same way.
from python_flows import BOT, BOT_PASSWORD, UA
from python_flows import mwauth_flow as sync_flow
from python_flows import rate as measure_sync


async def async_flow(s: mwauth.AsyncSession) -> None:
    await s.login(BOT, BOT_PASSWORD)
    token = await s.token("csrf")
    assert (await s.check_token("csrf", token)).valid
    assert await s.logout() == mwauth.LogoutOutcome.LOGGED_OUT


async def shared_flow(s: mwauth.AsyncSession, token: mwauth.Token) -> None:
    await s.call("query", {"meta": "tokens", "type": "login"})
    assert (await s.check_token("csrf", token)).valid
    await s.call("query", {"meta": "tokens"})
    assert (await s.check_token("csrf", token)).valid
    assert (await s.check_token("csrf", token)).valid


async def measure_async(secs: float, flows: List[Callable[[], Awaitable[None]]]) -> Tuple[float, float]:
    """The same, with one coroutine per flow function, all running at once."""
    await asyncio.gather(*(f() for f in flows))
    counts = [0] * len(flows)

    async def worker(i: int, deadline: float) -> None:
        while counts[i] == 0 or time.perf_counter() < deadline:
            await flows[i]()
            counts[i] += 1

    cpu = time.process_time()
    start = time.perf_counter()
    await asyncio.gather(*(worker(i, start + secs) for i in range(len(flows))))
    elapsed = time.perf_counter() - start
    n = sum(counts)
    return n / elapsed, (time.process_time() - cpu) * 1e6 / n


NAMES = ("sync", "async", "async x{n} sessions", "shared x1", "shared x{n}")


async def run(args: argparse.Namespace) -> Dict[str, List[Tuple[float, float]]]:
    n = args.concurrency
    names = [k.format(n=n) for k in NAMES]
    sync = mwauth.Session(args.url, user_agent=UA)
    one = mwauth.AsyncSession(args.url, user_agent=UA)
    many = [mwauth.AsyncSession(args.url, user_agent=UA) for _ in range(n)]
    shared = mwauth.AsyncSession(args.url, user_agent=UA)
    await shared.login(BOT, BOT_PASSWORD)
    token = await shared.token("csrf")
    results: Dict[str, List[Tuple[float, float]]] = {k: [] for k in names}
    for r in range(args.rounds):
        results[names[0]].append(measure_sync(args.secs, lambda: sync_flow(sync)))
        results[names[1]].append(await measure_async(args.secs, [lambda: async_flow(one)]))
        results[names[2]].append(
            await measure_async(args.secs, [functools.partial(async_flow, s) for s in many])
        )
        results[names[3]].append(await measure_async(args.secs, [lambda: shared_flow(shared, token)]))
        results[names[4]].append(await measure_async(args.secs, [lambda: shared_flow(shared, token)] * n))
        print(
            f"  round {r}: " + ", ".join(f"{k} {v[-1][0]:.0f} flows/s ({v[-1][1]:.0f} µs CPU)" for k, v in results.items()),
            flush=True,
        )
    return results


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--url", required=True)
    ap.add_argument("--secs", type=float, default=3.0)
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--concurrency", type=int, default=64)
    args = ap.parse_args()
    results = asyncio.run(run(args))
    names = list(results)
    rate = {k: statistics.median(r for r, _ in v) for k, v in results.items()}
    cpu = {k: statistics.median(c for _, c in v) for k, v in results.items()}

    def ratio(a: str, b: str, i: int) -> float:
        return statistics.median(x[i] / y[i] for x, y in zip(results[a], results[b]))

    print(f"mwauth async vs sync ({args.rounds} rounds of {args.secs}s, medians):")
    for k in names:
        print(f"  {k:<22} {rate[k]:>8.0f} flows/s  {cpu[k]:>8.1f} µs client CPU/flow")
    cpu_ratio = ratio(names[1], names[0], 1)
    many_ratio = ratio(names[2], names[1], 0)
    shared_ratio = ratio(names[4], names[3], 0)
    for label, value, target, ok in (
        ("AsyncSession CPU per flow / Session's", cpu_ratio, "<= 1.3", cpu_ratio <= 1.3),
        (f"{names[2]} flows/s / one flow's", many_ratio, ">= 2.5", many_ratio >= 2.5),
        (f"{names[4]} flows/s / {names[3]}'s", shared_ratio, ">= 2.5", shared_ratio >= 2.5),
    ):
        print(f"  {label}: {value:.2f} (target {target}: {'PASS' if ok else 'FAIL'})")
    print(
        f"RESULT async_cpu_ratio={cpu_ratio:.2f} sessions_ratio={many_ratio:.2f} shared_ratio={shared_ratio:.2f} "
        + " ".join(f"{k.replace(' ', '_')}={rate[k]:.1f}" for k in names)
    )


if __name__ == "__main__":
    main()
