"""Where a seed flow's instructions go, client against floor, by part.

Reads two callgrind profiles of `mw-bench flows` (one `--only-client`, one
`--only-floor`; docs/performance.md "Reproducing a profile") and prints each
part's self cost per flow on both sides and the difference: the allocator,
memcpy, mw-protocol's session, request rendering and parsing, mw-transport,
the cookie jar (`cookie`, `cookie_store`, `time`), timers, Tokio, hyper,
hyper-util, `http`/`bytes`, hashing, serde_json and the rest.

Usage:
    python3 bench/callgrind_groups.py CLIENT.out CLIENT_FLOWS FLOOR.out FLOOR_FLOWS

The flows of a profile are the flows the run made (`RESULT ... flows_per_s`
times its seconds, or the call count of a once-per-flow function such as
`Logout::on_token` in `callgrind_annotate --tree=calling`). Self costs do
not overlap, so the rows add up to the whole profile.
"""

from __future__ import annotations

import re
import subprocess
import sys
from typing import Dict, List, Tuple

# (part, prefixes of the function's name); the first match wins.
PARTS: List[Tuple[str, Tuple[str, ...]]] = [
    ("allocator", ("malloc", "free", "_int_", "__rust_alloc", "__rust_dealloc",
                   "__rust_realloc", "__rdl_", "alloc::raw_vec", "realloc",
                   "unlink_chunk", "calloc", "tcache", "__rustc::")),
    ("memcpy/memcmp", ("__memcpy", "__memmove", "__memcmp", "__memset")),
    ("mw-protocol parsing", ("mw_protocol::response", "mw_protocol::actions")),
    ("mw-protocol request rendering", ("mw_protocol::request",)),
    ("mw-protocol session", ("mw_protocol",)),
    ("cookie jar", ("mw_transport::cookies", "cookie::", "cookie_store", "time::")),
    ("mw-transport", ("mw_transport",)),
    ("timers", ("tokio::time", "tokio::runtime::time", "std::sys::pal::unix::time",
                "std::time", "clock_gettime")),
    ("tokio", ("tokio",)),
    ("hyper-util", ("hyper_util",)),
    ("hyper", ("hyper", "httparse")),
    ("http/bytes", ("http::", "bytes::")),
    ("hashing", ("core::hash", "hashbrown", "std::hash")),
    ("serde_json", ("serde",)),
    ("url", ("url::", "form_urlencoded", "percent_encoding", "idna")),
    ("formatting", ("core::fmt", "alloc::fmt", "<alloc::string::String as core::fmt")),
    ("the bench itself", ("mw_bench",)),
]

LINE = re.compile(r"\s*([\d,]+)\s+\(\s*[\d.]+%\)\s+(.*)")


def part_of(name: str) -> str:
    # `???:` when there are no debug file names; `<T as Trait>` names
    # start with their type.
    bare = name.split(":", 1)[1] if name.startswith(("???:", "./")) else name
    bare = bare.lstrip("<")
    for part, prefixes in PARTS:
        if any(bare.startswith(p) or ("/" + p) in name for p in prefixes):
            return part
    return "other"


def load(path: str, flows: float) -> Dict[str, float]:
    out = subprocess.run(
        ["callgrind_annotate", "--threshold=100", path],
        capture_output=True, text=True, check=True,
    ).stdout
    parts: Dict[str, float] = {}
    for line in out.splitlines():
        m = LINE.match(line)
        if not m or "PROGRAM TOTALS" in line:
            continue
        name = re.sub(r" \[/.*", "", m.group(2))
        part = part_of(name)
        parts[part] = parts.get(part, 0.0) + int(m.group(1).replace(",", "")) / flows
    return parts


def main() -> None:
    if len(sys.argv) != 5:
        sys.exit(__doc__)
    client = load(sys.argv[1], float(sys.argv[2]))
    floor = load(sys.argv[3], float(sys.argv[4]))
    names = sorted(set(client) | set(floor),
                   key=lambda k: -(client.get(k, 0) - floor.get(k, 0)))
    print(f"{'part (self cost per flow)':32} {'client':>9} {'floor':>9} {'extra':>9}")
    for k in names:
        c, f = client.get(k, 0.0), floor.get(k, 0.0)
        print(f"{k:32} {c:9,.0f} {f:9,.0f} {c - f:9,.0f}")
    c, f = sum(client.values()), sum(floor.values())
    print(f"{'total':32} {c:9,.0f} {f:9,.0f} {c - f:9,.0f}  ({c / f:.2f}x)")


if __name__ == "__main__":
    main()
