"""Prints the criterion results of `cargo bench -p mw-protocol` (read from
target/criterion/*/new/) as tables: each builder, and each typed parser next
to `serde_json::from_slice::<Value>` of the same bytes (target: typed no
slower; the target of "Typed all the way" is typed/Value <= 0.50). Used by
scripts/bench.sh."""

from __future__ import annotations

import json
import pathlib
import sys
from typing import Dict, Tuple

root = pathlib.Path(sys.argv[1] if len(sys.argv) > 1 else "target/criterion")
results: Dict[Tuple[str, str], Tuple[float, float, float]] = {}
for bench in root.glob("**/new/benchmark.json"):
    meta = json.loads(bench.read_text())
    est = json.loads((bench.parent / "estimates.json").read_text())["median"]
    ci = est["confidence_interval"]
    results[(meta["group_id"], meta["function_id"] or "")] = (
        est["point_estimate"],
        ci["lower_bound"],
        ci["upper_bound"],
    )


def ns(v: float) -> str:
    return f"{v / 1000:.2f} µs" if v >= 1000 else f"{v:.0f} ns"


print("criterion medians (95% CI), mw-protocol:")
print("  request builders (build + to_http):")
for (group, fn), (med, lo, hi) in sorted(results.items()):
    if group == "build+to_http":
        print(f"    {fn:<32} {ns(med):>10}  [{ns(lo)} .. {ns(hi)}]")
print("  parsers: typed (the module's one pass, parse_response, as the session runs it; the envelope rows: borrow_envelope) vs serde_json::Value of the same bytes:")
print(f"    {'response':<32} {'typed':>10} {'Value':>10} {'typed/Value':>12}")
fails = 0
for (group, fn), (med, _, _) in sorted(results.items()):
    if group.startswith("parse/") and fn == "typed":
        base = results.get((group, "serde_json::Value"))
        if base is None:
            continue
        ratio = med / base[0]
        verdict = "PASS" if ratio <= 0.5 else "FAIL"
        fails += verdict == "FAIL"
        print(f"    {group[6:]:<32} {ns(med):>10} {ns(base[0]):>10} {ratio:>11.2f}  {verdict}")
for (group, fn), (med, lo, hi) in sorted(results.items()):
    if group.startswith("session"):
        print(f"  {group}/{fn}: {ns(med)} [{ns(lo)} .. {ns(hi)}]")
print(f"RESULT parsers_slower_than_value={fails}")
