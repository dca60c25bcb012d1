#!/usr/bin/env bash
# Main job: train a small CNN on scikit-learn's 8x8 digit images with a global batch of 64 and
# 8 virtual nodes on 1, 2 and 4 devices plus one elastic run (1 -> 2 -> 4 -> 2 devices), and
# compare them with 'virtualflow compare'. The virtual-node runs use deterministic mode, so they
# must agree bit for bit. Plain data parallelism (the batch split over the devices, one node
# each) on 2 and 4 devices is the negative control: it must differ.
# Writes OUT_DIR/summary.json with the largest weight differences and the final losses.
set -euo pipefail

out="${1:?usage: demo.sh OUT_DIR}"
mkdir -p "$out"
steps=40
common=(--backend keras --dataset digits --model cnn --global-batch 64 --steps "$steps" --seed 0)
start=$(date +%s)

train() {
    local name=$1
    shift
    echo "demo: training $name" >&2
    virtualflow -q train "${common[@]}" "$@" --out "$out/$name" --format json >"$out/$name.train.json"
}

train v8_d1 --virtual-nodes 8 --devices 1 --deterministic
train v8_d2 --virtual-nodes 8 --devices 2 --deterministic
train v8_d4 --virtual-nodes 8 --devices 4 --deterministic
train v8_elastic --virtual-nodes 8 --resize-schedule 0:1,10:2,20:4,30:2 --deterministic
train dp_d2 --mode data-parallel --devices 2
train dp_d4 --mode data-parallel --devices 4

# The default tolerances of compare apply; the virtual-node runs must be bit-identical anyway.
compare() {
    virtualflow compare "$out/$1" "$out/$2" --plot "$out/compare_$1_$2.png" --format json \
        >"$out/compare_$1_$2.json"
}
compare v8_d1 v8_d2
compare v8_d1 v8_d4
compare v8_d1 v8_elastic
compare dp_d2 dp_d4
compare v8_d1 dp_d2

python - "$out" "$(($(date +%s) - start))" <<'PY'
import json
import sys
from pathlib import Path

out, wall_s = Path(sys.argv[1]), float(sys.argv[2])


def comparison(a, b):
    return json.loads((out / f"compare_{a}_{b}.json").read_text())


def final_loss(name):
    return json.loads((out / f"{name}.train.json").read_text())["final_loss"]


pairs = {
    "d2": ("v8_d1", "v8_d2"),
    "d4": ("v8_d1", "v8_d4"),
    "elastic": ("v8_d1", "v8_elastic"),
    "data_parallel_d2_vs_d4": ("dp_d2", "dp_d4"),
    "data_parallel_d2_vs_virtual_d1": ("v8_d1", "dp_d2"),
}
summary = {}
for label, (a, b) in pairs.items():
    summary[f"max_weight_diff_{label}"] = comparison(a, b)["max_abs_weight_diff"]
virtual = [comparison(a, b)["verdict"] for a, b in list(pairs.values())[:3]]
controls = [comparison(a, b)["verdict"] for a, b in list(pairs.values())[3:]]
summary["virtual_runs_bit_identical"] = all(verdict == "bit_identical" for verdict in virtual)
summary["data_parallel_runs_differ"] = all(verdict == "differs" for verdict in controls)
for name in ("v8_d1", "v8_d4", "v8_elastic", "dp_d2", "dp_d4"):
    summary[f"final_loss_{name}"] = final_loss(name)
summary["wall_s"] = wall_s
for label, (a, b) in pairs.items():
    result = comparison(a, b)
    print(f"{a} vs {b}: {result['verdict']}, max weight diff {result['max_abs_weight_diff']:.3g}",
          file=sys.stderr)
(out / "summary.json").write_text(json.dumps(summary, indent=2) + "\n")
print(json.dumps(summary, indent=2))
if not (summary["virtual_runs_bit_identical"] and summary["data_parallel_runs_differ"]):
    sys.exit("demo: the virtual-node runs are not bit-identical or the negative control agrees")
PY
