#!/usr/bin/env python3
"""bench/ood-sweep.py on a verdicts file built here: the threshold flags the share of held-out digits
asked for (strictly above the quantile, as dl-ood.c flags), a hinted non-digit counts as caught, a drawn
digit is read only when of the right class and not flagged, Tippett's rule scores by the smallest p-value,
and a file without the header is refused with its name.

    check-ood-sweep.py SOURCE_ROOT
"""
import math
import os
import subprocess
import sys
import tempfile

root = sys.argv[1]
sweep = os.path.join(root, "bench", "ood-sweep.py")
header = "set\titem\tclass\tpredicted\tflagged\tp_early\tp_feature\tp_pixel\tp_energy\tp_subspace\tscore\n"


def row(set_, item, cls, pred, flagged, p, score=None):
    score = sum(-math.log(x) for x in p) if score is None else score
    return "\t".join([set_, item, str(cls), str(pred), flagged] + [f"{x:.6g}" for x in p] + [f"{score:.6g}"]) + "\n"


lines = [header]
# 100 held-out digits with Fisher scores 1 … 100 (all five p-values equal: e^(−s/5)); those above 95 flagged.
for s in range(1, 101):
    lines.append(row("test", str(s), s % 10, s % 10, "1" if s > 95 else "0", [math.exp(-s / 5)] * 5))
# Non-digits: scores 50, 95.5, 200 of the scribbles kind; one hinted dot.
for s in (50, 95.5, 200):
    lines.append(row("random scribbles", "0", -1, 3, "0", [math.exp(-s / 5)] * 5))
lines.append("single dots\t0\t-1\t-1\thint\t\t\t\t\t\t\n")
# Hurried digits: right and quiet (score 10), right and loud (score 97), wrong and quiet.
lines.append(row("hurried variants", "a", 1, 1, "0", [math.exp(-2)] * 5))
lines.append(row("hurried variants", "b", 1, 1, "1", [math.exp(-97 / 5)] * 5))
lines.append(row("hurried variants", "c", 1, 7, "0", [math.exp(-2)] * 5))
# One held-out digit unusual in a single signal: Fisher sum 30, but the smallest p-value e^-26.
lines.append(row("test", "x", 4, 4, "0", [math.exp(-1)] * 4 + [math.exp(-26)]))


def run(path, *args):
    r = subprocess.run([sys.executable, sweep, path, *args], capture_output=True, text=True)
    return r.returncode, r.stdout, r.stderr


def table(out):
    rows = [l.strip().strip("|").split("|") for l in out.splitlines() if l.startswith("| ") and "---" not in l]
    cols = [c.strip() for c in rows[0]]
    return {r[0].strip(): dict(zip(cols, (c.strip() for c in r))) for r in rows[1:]}


failures = []


def expect(what, got, want):
    if got != want:
        failures.append(f"{what}: got {got!r}, expected {want!r}")


with tempfile.TemporaryDirectory() as d:
    path = os.path.join(d, "v.tsv")
    with open(path, "w") as f:
        f.writelines(lines)
    code, out, err = run(path, "--rates", "5,50")
    expect("exit status", code, 0)
    t = table(out)
    # 101 held-out digits (1 … 100, and 30 twice); at 5 % the threshold is the 96th smallest score, 95, so
    # 96 … 100 are flagged, and of the scribbles 95.5 and 200.
    five = next(k for k in t if k.startswith("5 % (fisher > 95.00)"))
    expect("5 %: test flagged", t[five]["test flagged"], f"{100 * 5 / 101:.2f} %")
    expect("5 %: scribbles", t[five]["random scribbles"], f"{100 * 2 / 3:.1f} %")
    expect("5 %: dots, hinted", t[five]["single dots"], "100.0 %")
    expect("5 %: all non-digits", t[five]["non-digits caught"], "75.0 %")
    expect("5 %: hurried", t[five]["hurried variants"], "1 read, 1 flagged, 2 right, of 3")
    # At 50 %: threshold 50 (the 51st smallest), so the scribble at 50 is not flagged, nor the digit at 50.
    half = next(k for k in t if k.startswith("50 % (fisher > 50.00)"))
    expect("50 %: test flagged", t[half]["test flagged"], f"{100 * 50 / 101:.2f} %")
    expect("50 %: scribbles", t[half]["random scribbles"], f"{100 * 2 / 3:.1f} %")
    expect("as calibrated: hurried", t["as calibrated"]["hurried variants"], "1 read, 1 flagged, 2 right, of 3")
    expect("as calibrated: test", t["as calibrated"]["test flagged"], f"{100 * 5 / 101:.2f} %")
    expect("no detector: hurried", t["no detector"]["hurried variants"], "2 read, 0 flagged, 2 right, of 3")
    expect("no detector: caught", t["no detector"]["non-digits caught"], "25.0 %")

    # Tippett's rule: the digit with one p-value of e^-26 scores 26 and the quiet ones s/5.
    code, out, err = run(path, "--rates", "1", "--rule", "min")
    t = table(out)
    one = next(k for k in t if k.startswith("1 % (min > 20.00)"))
    expect("min 1 %: test flagged", t[one]["test flagged"], f"{100 * 1 / 101:.2f} %")

    bad = os.path.join(d, "bad.tsv")
    with open(bad, "w") as f:
        f.write("not\ta\tverdicts\tfile\n1\t2\t3\t4\n")
    code, out, err = run(bad)
    expect("a foreign file: exit status", code != 0, True)
    expect("a foreign file: names it", bad in err, True)

if failures:
    print("\n".join(failures))
    sys.exit(1)
print("ood-sweep: all checks passed")
