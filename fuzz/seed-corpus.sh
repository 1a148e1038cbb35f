#!/bin/sh
# Makes the seed corpora of both targets from mw-protocol's response
# fixtures (not committed: run this before `cargo fuzz run`).
#   parsers: <selector byte><body> for every fixture body and selector 0-9
#   session: a few scripted command/answer sequences
set -eu
here=$(cd "$(dirname "$0")" && pwd)
fixtures="$here/../crates/mw-protocol/tests/fixtures"
mkdir -p "$here/corpus/parsers" "$here/corpus/session"
n=0
for f in "$fixtures"/*/*.http; do
    n=$((n + 1))
    # The body: everything after the first blank line that follows the
    # comment and header lines.
    body=$(mktemp)
    awk 'found { print; next } /^$/ && !/^#/ { found = 1 }' "$f" > "$body"
    for sel in 0 1 2 3 4 5 6 7 8 9; do
        { printf "\\$(printf %03o "$sel")"; cat "$body"; } > "$here/corpus/parsers/fixture-$n-$sel"
    done
    rm -f "$body"
done
printf '\017120\nSat, 21 Nov 2026 10:00:00 GMT' > "$here/corpus/parsers/retry-after-seconds"
printf '\017Sat, 21 Nov 2026 10:00:30 GMT\nSat, 21 Nov 2026 10:00:00 GMT' > "$here/corpus/parsers/retry-after-date"
# session: login then answer with fixtures; csrf + call; logout; foreign.
i=0
for script in '\000\000\002\000\010\002\000\020' '\000\003\002\000\030\000\005\002\000\040\002\000\050' \
    '\000\010\002\000\060\006\005\002\000\070' '\000\011\002\000\001\002\000\002\002\000\003\002\000\004' \
    '\000\000\005\000\000\005\002\000\100\006\377\002\000\110'; do
    i=$((i + 1))
    printf "$script" > "$here/corpus/session/script-$i"
done
echo "seeded $(ls "$here/corpus/parsers" | wc -l) parsers inputs, $(ls "$here/corpus/session" | wc -l) session inputs from $n fixtures"
