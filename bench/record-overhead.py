#!/usr/bin/python3
"""record-overhead.py — what recording a run costs digitlab-cli train.

Trains the same recipe with the run recorded into a store (the default of `digitlab-cli train`: every
batch's loss and learning rate, the epochs' evaluations with their per-example predictions, the final model
and its checksum) and with --no-record, alternately (ABBA: each pair in the other order than the previous
one, so a drift of the machine's speed cancels out), and prints each run's training samples per second
(`samples_per_second` in the JSON: training time only, evaluations excluded) and the median of the paired
ratios. The store is a fresh temporary file.

    /usr/bin/python3 bench/record-overhead.py [--build build] [--preset seed] [--epochs 5] [--pairs 10]

Goal: recording costs under 2 % of training throughput.
"""
import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)


def train(cli, preset, epochs, store, record):
    args = [cli, "train", "--preset", preset, "--epochs", str(epochs), "--json"]
    args += ["--store", store] if record else ["--no-record"]
    out = subprocess.run(args, check=True, capture_output=True, text=True).stdout
    return json.loads(out)["samples_per_second"]


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--build", default=os.path.join(ROOT, "build"))
    ap.add_argument("--preset", default="seed")
    ap.add_argument("--epochs", type=int, default=5)
    ap.add_argument("--pairs", type=int, default=10)
    a = ap.parse_args()
    cli = os.path.join(a.build, "src", "cli", "digitlab-cli")
    with tempfile.TemporaryDirectory() as tmp:
        store = os.path.join(tmp, "runs.sqlite")
        # Once each first: the data's checksums are remembered by the store, as they are for a user.
        train(cli, a.preset, 1, store, True)
        train(cli, a.preset, 1, store, False)
        ratios = []
        for i in range(a.pairs):
            order = [True, False] if i % 2 == 0 else [False, True]
            sps = {rec: train(cli, a.preset, a.epochs, store, rec) for rec in order}
            ratios.append(sps[True] / sps[False])
            print(f"pair {i + 1:2d}: recorded {sps[True]:9.0f} samples/s, not recorded {sps[False]:9.0f} "
                  f"samples/s, ratio {ratios[-1]:.4f}", flush=True)
    med = statistics.median(ratios)
    print(f"{a.preset}, {a.epochs} epochs, {a.pairs} pairs: median ratio {med:.4f} "
          f"(recording costs {100 * (1 - med):+.2f} % of training throughput; "
          f"pairs range {min(ratios):.4f}–{max(ratios):.4f})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
