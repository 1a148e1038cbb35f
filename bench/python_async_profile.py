"""Where an AsyncSession's time goes (docs/performance.md §2e): runs one
variant of bench/python_async.py for a number of flows and prints the CPU
per flow of each kind of thread (the Python thread, mwauth's Tokio threads),
from /proc/self/task (Linux). Run it under ``strace -f -c`` for the system
calls per flow. ``cached`` is the cost of an asyncio call itself: a cached
token (no request), against the sync session and a bare asyncio future.

    python bench/python_async_profile.py URL {sync,async,many,cached} [FLOWS]
"""

from __future__ import annotations

import asyncio
import os
import sys
import time
from typing import Dict

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import mwauth  # noqa: E402
from python_async import BOT, BOT_PASSWORD, UA, async_flow, sync_flow  # noqa: E402


def threads() -> Dict[str, int]:
    """CPU clock ticks (user + system) by thread name."""
    ticks: Dict[str, int] = {}
    for task in os.listdir("/proc/self/task"):
        with open(f"/proc/self/task/{task}/stat") as f:
            stat = f.read()
        name = stat[stat.index("(") + 1 : stat.rindex(")")]
        fields = stat[stat.rindex(")") + 2 :].split()
        ticks[name] = ticks.get(name, 0) + int(fields[11]) + int(fields[12])
    return ticks


def report(label: str, before: Dict[str, int], n: int) -> None:
    tick_us = 1e6 / os.sysconf("SC_CLK_TCK")
    per = {k: (v - before.get(k, 0)) * tick_us / n for k, v in threads().items()}
    shown = ", ".join(f"{k} {v:.0f}" for k, v in per.items())
    print(f"{label}: {sum(per.values()):.0f} µs CPU per flow ({shown})")


async def run_async(url: str, kind: str, n: int) -> None:
    if kind == "async":
        s = mwauth.AsyncSession(url, user_agent=UA)
        before = threads()
        for _ in range(n):
            await async_flow(s)
        report("async, one flow at a time", before, n)
    elif kind == "many":
        sessions = [mwauth.AsyncSession(url, user_agent=UA) for _ in range(64)]

        async def worker(s: mwauth.AsyncSession) -> None:
            for _ in range(n // 64):
                await async_flow(s)

        before = threads()
        await asyncio.gather(*(worker(s) for s in sessions))
        report("async, 64 sessions at once", before, n // 64 * 64)
    else:
        a = mwauth.AsyncSession(url, user_agent=UA)
        await a.login(BOT, BOT_PASSWORD)
        await a.token("csrf")
        before = threads()
        for _ in range(n):
            await a.token("csrf")
        report("async cached token (per call)", before, n)
        loop = asyncio.get_running_loop()
        start = time.process_time()
        for _ in range(n):
            future = loop.create_future()
            loop.call_soon(future.set_result, 1)
            await future
        print(f"bare asyncio future resolved by call_soon: {(time.process_time() - start) * 1e6 / n:.1f} µs per await")


def main() -> None:
    url, kind = sys.argv[1], sys.argv[2]
    n = int(sys.argv[3]) if len(sys.argv) > 3 else 3200
    if kind == "sync":
        s = mwauth.Session(url, user_agent=UA)
        before = threads()
        for _ in range(n):
            sync_flow(s)
        report("sync", before, n)
    elif kind == "cached":
        s = mwauth.Session(url, user_agent=UA)
        s.login(BOT, BOT_PASSWORD)
        s.token("csrf")
        before = threads()
        for _ in range(n):
            s.token("csrf")
        report("sync cached token (per call)", before, n)
        asyncio.run(run_async(url, kind, n))
    else:
        asyncio.run(run_async(url, kind, n))


if __name__ == "__main__":
    main()
