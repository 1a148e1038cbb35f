"""Whole-process cost of one token flow from the command line: `mw flow`
(the CLI, a Rust binary) against the seeds' sample code run as a Python
script (bench/seed_script.py, the same 7 requests), in turns, against a real
MediaWiki (the env file of scripts/test-wiki.sh). Per process: wall time and
CPU time (user + system, from the child's rusage), medians; both must exit 0.

    python bench/process_time.py --env ENV_FILE --mw target/release/mw [--runs 20]

Run by scripts/bench.sh; docs/performance.md §2f.
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from typing import Dict, List

HERE = os.path.dirname(os.path.abspath(__file__))
UA = "mw-bench/0.0 (https://github.com/mw-auth/mw-auth; bench@example.org)"


def read_env(path: str) -> Dict[str, str]:
    with open(path, encoding="utf-8") as f:
        return dict(line.rstrip("\n").split("=", 1) for line in f if "=" in line)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--env", required=True)
    ap.add_argument("--mw", required=True, help="the mw binary")
    ap.add_argument("--runs", type=int, default=20)
    args = ap.parse_args()
    wiki = read_env(args.env)
    base = {"PATH": os.environ.get("PATH", ""), "MW_USER_AGENT": UA, "MW_API_URL": wiki["MW_API_URL"]}
    base.update(MW_USERNAME=wiki["MW_BOT_USER"], MW_PASSWORD=wiki["MW_BOT_PASSWORD"])
    session = os.path.join(tempfile.mkdtemp(prefix="mw-proc-"), "session.json")
    argv = {
        "mw flow": [args.mw, "--api", wiki["MW_API_URL"], "--session", session, "flow"],
        "python seed script": [sys.executable, os.path.join(HERE, "seed_script.py")],
    }
    walls: Dict[str, List[float]] = {k: [] for k in argv}
    cpus: Dict[str, List[float]] = {k: [] for k in argv}
    for _ in range(args.runs):
        for name, cmd in argv.items():
            before = resource.getrusage(resource.RUSAGE_CHILDREN)
            start = time.perf_counter()
            done = subprocess.run(cmd, env=base, capture_output=True)
            walls[name].append((time.perf_counter() - start) * 1e3)
            after = resource.getrusage(resource.RUSAGE_CHILDREN)
            cpus[name].append((after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime) * 1e3)
            if done.returncode != 0:
                sys.exit(f"{name} exited {done.returncode}: {done.stderr.decode(errors='replace')[-500:]}")
    print(f"whole processes, one token flow (7 requests) on a real MediaWiki ({args.runs} runs each, in turns, medians):")
    for name in argv:
        print(f"  {name:<20} {statistics.median(walls[name]):>8.1f} ms wall {statistics.median(cpus[name]):>8.1f} ms CPU")
    w = statistics.median(a / b for a, b in zip(walls["python seed script"], walls["mw flow"]))
    c = statistics.median(b / a if a else float("inf") for a, b in zip(cpus["mw flow"], cpus["python seed script"]))
    print(f"  mw flow: {w:.2f}x faster wall, {c:.2f}x less CPU than the seed script")
    print(f"RESULT mw_wall_ms={statistics.median(walls['mw flow']):.1f} script_wall_ms={statistics.median(walls['python seed script']):.1f} "
          f"mw_cpu_ms={statistics.median(cpus['mw flow']):.1f} script_cpu_ms={statistics.median(cpus['python seed script']):.1f}")


if __name__ == "__main__":
    main()
