#!/usr/bin/env bash
# Main job of sustainai: track a few seconds of real CPU work, report it, and regenerate the
# paper's figures. Usage: demo.sh OUT_DIR. Writes OUT_DIR/summary.json.
set -euo pipefail

out=${1:?usage: demo.sh OUT_DIR}
mkdir -p "$out"
rm -f "$out/emissions.csv"

# Real CPU work: count the primes below 3 million with a pure-Python sieve, ten times.
work='
import time
start = time.perf_counter()
for _ in range(10):
    limit = 3_000_000
    sieve = bytearray([1]) * limit
    sieve[0:2] = b"\x00\x00"
    for number in range(2, int(limit ** 0.5) + 1):
        if sieve[number]:
            sieve[number * number :: number] = bytes(len(range(number * number, limit, number)))
    primes = sum(sieve)
    total = sum(i * i for i in range(2_000_000))
print(f"{primes} primes below {limit}; {time.perf_counter() - start:.1f} s of work")
'
sustainai track --project demo --phase training --output "$out/emissions.csv" -- python -c "$work"

sustainai report "$out/emissions.csv" --plot "$out/emissions.png"
sustainai report "$out/emissions.csv" --format json --by project > "$out/report.json"
sustainai paper --out "$out/paper-figures/"

python - "$out" <<'PY'
import json
import os
import sys

out = sys.argv[1]
with open(os.path.join(out, "report.json"), encoding="utf-8") as stream:
    totals = json.load(stream)["totals"]
summary = {
    "wall_s": round(totals["duration_s"], 2),
    "energy_kwh": totals["energy_kwh"],
    "emissions_kg": totals["emissions_kg"],
    "emissions_market_kg": totals["emissions_market_kg"],
    "embodied_kg": totals["embodied_kg"],
    "measured": totals["measured"] == "yes",
    "paper_figures": len(os.listdir(os.path.join(out, "paper-figures"))),
}
temporary = os.path.join(out, ".summary.json.tmp")
with open(temporary, "w", encoding="utf-8") as stream:
    json.dump(summary, stream)
os.replace(temporary, os.path.join(out, "summary.json"))
print(json.dumps(summary))
PY
