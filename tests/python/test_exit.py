"""Processes that use a session exit cleanly (issue 13 item 1).

Each script runs as many short-lived subprocesses, several at a time and
pinned to one CPU (``taskset -c 0`` where there is one): the conditions in
which a Tokio thread still handing a result to asyncio used to race the
interpreter's finalization (exit code 139, SIGSEGV, or 134, SIGABRT with
``PyGILState_Release``). Every process must exit 0.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Dict, List, Tuple

import pytest

from conftest import UA, Wiki

CONCURRENCY = 8
TIMEOUT = 60

PRELUDE = f"""
import os, sys, warnings
import mwauth

URL = os.environ["MW_API_URL"]
USER = os.environ["MW_BOT_USER"]
PASSWORD = os.environ["MW_BOT_PASSWORD"]
UA = {UA!r}
"""

# The asyncio example of docs/python.md (API:Logout), with a token fetch.
ASYNC_EXAMPLE = """
import asyncio

async def main():
    async with mwauth.AsyncSession(URL, user_agent=UA) as s:
        await s.login(USER, PASSWORD)
        await s.token("csrf")
        print(await s.logout())          # LogoutOutcome.LOGGED_OUT

asyncio.run(main())
"""

SYNC_EXAMPLE = """
with mwauth.Session(URL, user_agent=UA) as s:
    s.login(USER, PASSWORD)
    s.token("csrf")
    print(s.logout())
"""

SANSIO_EXAMPLE = """
import requests
from mwauth.sansio import Driver, requests_sender

s = mwauth.SansIOSession(URL, user_agent=UA)
driver = Driver(s, requests_sender(requests.Session(), timeout=10))
driver.run(s.login(USER, PASSWORD))
driver.run(s.token("csrf"))
print(driver.run(s.logout()))
"""

# Uses both kinds of session, forks; the child cannot use the parent's
# sessions (a clear MWError), makes new ones and exits through the normal
# interpreter shutdown; the parent keeps using its sessions.
FORK_EXAMPLE = """
import asyncio

warnings.simplefilter("ignore", DeprecationWarning)   # fork() with threads, 3.12+

# No `with`: leaving one closes a session, and these are used again.
async def use_async(s=None):
    s = s or mwauth.AsyncSession(URL, user_agent=UA)
    await s.login(USER, PASSWORD)
    await s.token("csrf")
    await s.logout()
    return s

def use_sync(s=None):
    s = s or mwauth.Session(URL, user_agent=UA)
    s.login(USER, PASSWORD)
    s.token("csrf")
    s.logout()
    return s

old_async = asyncio.run(use_async())
old_sync = use_sync()
pid = os.fork()
if pid == 0:
    for attempt in (lambda: old_sync.token("csrf"), lambda: asyncio.run(old_async.token("csrf"))):
        try:
            attempt()
        except mwauth.MWError as e:
            assert "os.fork()" in str(e), str(e)
        else:
            raise AssertionError("a session of the parent worked in the child")
    use_sync()
    asyncio.run(use_async())
    sys.exit(0)
use_sync(old_sync)
asyncio.run(use_async(old_async))
code = os.waitstatus_to_exitcode(os.waitpid(pid, 0)[1])
if code != 0:
    sys.exit(f"the child exited with {code}")
"""

# Runs the exit hook early: later calls raise a clear MWError.
AFTER_SHUTDOWN = """
import asyncio, atexit

async def main():
    s = mwauth.AsyncSession(URL, user_agent=UA)  # no `with`: it is used again
    await s.login(USER, PASSWORD)
    return s

session = asyncio.run(main())
atexit._run_exitfuncs()
for attempt in (
    lambda: mwauth.Session(URL, user_agent=UA).token("csrf"),
    lambda: asyncio.run(session.token("csrf")),
    lambda: asyncio.run(mwauth.AsyncSession(URL, user_agent=UA).token("csrf")),
):
    try:
        attempt()
    except mwauth.MWError as e:
        assert "shut down" in str(e), str(e)
    else:
        raise AssertionError("a request was made after the runtime was shut down")
"""


def _pin() -> List[str]:
    taskset = shutil.which("taskset")
    if taskset and subprocess.run([taskset, "-c", "0", "true"], capture_output=True).returncode == 0:
        return [taskset, "-c", "0"]
    return []


def _describe(code: int) -> str:
    if code < 0:
        return f"{code} ({signal.Signals(-code).name})"
    return str(code)


def run_many(wiki: Wiki, tmp_path: Path, name: str, body: str, runs: int) -> None:
    """Runs the script ``runs`` times; fails (without a traceback, whose
    arguments would show the password) unless every run exited 0."""
    script = tmp_path / f"{name}.py"
    script.write_text(PRELUDE + body, encoding="utf-8")
    env: Dict[str, str] = dict(os.environ)
    env.update(MW_API_URL=wiki.api_url, MW_BOT_USER=wiki.bot_user, MW_BOT_PASSWORD=wiki.bot_password)
    command = [*_pin(), sys.executable, str(script)]

    def once(_: int) -> Tuple[str, str]:
        # A session of its own, so that a hung forked child is killed too.
        with subprocess.Popen(
            command, env=env, cwd=tmp_path, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
            text=True, start_new_session=True,
        ) as process:
            try:
                _, stderr = process.communicate(timeout=TIMEOUT)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                _, stderr = process.communicate()
                return f"timeout ({TIMEOUT} s)", stderr
            return _describe(process.returncode), stderr

    with ThreadPoolExecutor(CONCURRENCY) as pool:
        results = list(pool.map(once, range(runs)))
    codes = Counter(code for code, _ in results)
    failed = [stderr for code, stderr in results if code != "0"]
    if failed:
        summary = ", ".join(f"{n}× exit {c}" for c, n in sorted(codes.items()))
        stderr = "\n---\n".join(e[-2000:] for e in failed[:3])
        message = f"{name}: {len(failed)} of {runs} runs failed ({summary}); stderr of the first:\n{stderr}"
        pytest.fail(message.replace(wiki.bot_password, "<password>"), pytrace=False)


def test_async_example_exits_cleanly(wiki: Wiki, tmp_path: Path) -> None:
    run_many(wiki, tmp_path, "async_example", ASYNC_EXAMPLE, 100)


def test_async_example_logging_at_debug_exits_cleanly(wiki: Wiki, tmp_path: Path) -> None:
    """With every record of the Rust core wanted (a log record for every
    request and answer, queued by runtime threads until Python drains)."""
    body = "import logging\nlogging.basicConfig(level=logging.DEBUG)\n" + ASYNC_EXAMPLE
    run_many(wiki, tmp_path, "async_logging", body, 50)


def test_sync_example_exits_cleanly(wiki: Wiki, tmp_path: Path) -> None:
    run_many(wiki, tmp_path, "sync_example", SYNC_EXAMPLE, 12)


def test_sansio_example_exits_cleanly(wiki: Wiki, tmp_path: Path) -> None:
    run_many(wiki, tmp_path, "sansio_example", SANSIO_EXAMPLE, 12)


def test_fork_after_use_exits_cleanly_in_both(wiki: Wiki, tmp_path: Path) -> None:
    run_many(wiki, tmp_path, "fork", FORK_EXAMPLE, 10)


def test_calls_after_shutdown_raise(wiki: Wiki, tmp_path: Path) -> None:
    run_many(wiki, tmp_path, "after_shutdown", AFTER_SHUTDOWN, 4)
