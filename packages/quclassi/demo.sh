#!/usr/bin/env bash
# Main job of quclassi: train on real MNIST 3s and 6s (PCA to 4 features, 5 qubits, structure
# sd, 12 trained parameters) and score the official MNIST test images of those digits.
# Usage: demo.sh OUT_DIR. Writes OUT_DIR/model.json, loss.png, confusion.png, train.json and
# OUT_DIR/summary.json (test_accuracy, n_parameters, n_qubits, wall_s).
set -euo pipefail

out=${1:?usage: demo.sh OUT_DIR}
mkdir -p "$out"

quclassi train --dataset mnist --classes 3,6 --pca 4 --structure sd --seed 0 \
    --out "$out/model.json" --plot-loss "$out/loss.png" --plot-confusion "$out/confusion.png" \
    --format json > "$out/train.json"

# Re-score the saved model, which also checks that the file loads.
quclassi evaluate --model "$out/model.json" --format json > "$out/evaluate.json"

python - "$out" <<'PY'
import json
import os
import sys

out = sys.argv[1]
with open(os.path.join(out, "train.json"), encoding="utf-8") as handle:
    train = json.load(handle)
with open(os.path.join(out, "evaluate.json"), encoding="utf-8") as handle:
    evaluate = json.load(handle)
if evaluate["test_accuracy"] != train["test_accuracy"]:
    sys.exit(f"reloaded model scored {evaluate['test_accuracy']}, not {train['test_accuracy']}")
summary = {
    "test_accuracy": round(train["test_accuracy"], 4),
    "n_parameters": train["n_parameters"],
    "n_qubits": train["n_qubits"],
    "wall_s": round(train["wall_s"], 2),
}
with open(os.path.join(out, "summary.json"), "w", encoding="utf-8") as handle:
    json.dump(summary, handle)
print(json.dumps(summary))
PY
