#!/usr/bin/env python3
"""ood-sweep — the trade-off of "this doesn't look like a digit" over its threshold.

Reads the verdicts `build/bench/bench-explain --model M.dlm --verdicts V.tsv` wrote and, for each rate
given, sets the threshold so that that share of the held-out test digits is flagged, then prints what
that threshold does: the non-digits caught (a hinted one, too small to judge, counts as caught), and of
each set of drawn digits how many are read (the right class and not flagged), flagged, and of the right
class. The first row is the detector as it was calibrated (on the even-numbered test digits at
DL_OOD_RATE), the last the ceiling with no detector at all.

The threshold is chosen here on the held-out digits themselves, so the figures are the curve the detector
moves along, not a second calibration.

    /usr/bin/python3 bench/ood-sweep.py V.tsv [--rates 0.5,1,2,3,4,5] [--rule fisher|min]

--rule min scores an input by its smallest p-value alone (Tippett's rule) instead of Fisher's sum of
−log p over the signals, which the detector uses.
"""
import argparse
import csv
import math
import sys
from collections import OrderedDict

DRAWN = ("drawn digits as defined", "gentle variants", "hurried variants")


def read_verdicts(path):
    with open(path, newline="") as f:
        rows = list(csv.DictReader(f, delimiter="\t"))
    if not rows or "score" not in rows[0]:
        sys.exit(f"ood-sweep: {path}: not a bench-explain --verdicts file (no header with a score column)")
    p_cols = [c for c in rows[0] if c.startswith("p_")]
    for r in rows:
        r["hint"] = r["flagged"] == "hint"
        r["class"], r["predicted"] = int(r["class"]), int(r["predicted"])
        r["p"] = [] if r["hint"] else [float(r[c]) for c in p_cols]
        r["fisher"] = None if r["hint"] else float(r["score"])
    return rows


def score(r, rule):
    if r["hint"]:
        return math.inf
    return r["fisher"] if rule == "fisher" else -math.log(min(r["p"]))


def threshold_at(test_scores, rate):
    """The score that `rate` of the held-out digits exceed (flagged above it, as dl-ood.c does)."""
    s = sorted(test_scores)
    return s[min(max(math.ceil((1 - rate) * len(s)) - 1, 0), len(s) - 1)]


def summarise(rows, flagged):
    """flagged(row) → bool; returns the figures of one row of the table."""
    test = [r for r in rows if r["set"] == "test"]
    out = OrderedDict()
    out["test flagged"] = f"{100 * sum(map(flagged, test)) / len(test):.2f} %"
    kinds = OrderedDict()
    for r in rows:
        if r["class"] < 0:
            kinds.setdefault(r["set"], []).append(r["hint"] or flagged(r))
    for k, v in kinds.items():
        out[k] = f"{100 * sum(v) / len(v):.1f} %"
    caught = [c for v in kinds.values() for c in v]
    out["non-digits caught"] = f"{100 * sum(caught) / len(caught):.1f} %"
    for name in DRAWN:
        d = [r for r in rows if r["set"] == name]
        if not d:
            continue
        right = [r for r in d if r["predicted"] == r["class"]]
        shown = [r for r in right if not r["hint"] and not flagged(r)]
        out[name] = f"{len(shown)} read, {sum(map(flagged, d))} flagged, {len(right)} right, of {len(d)}"
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("verdicts")
    ap.add_argument("--rates", default="0.5,1,2,3,4,5", help="shares of held-out digits flagged, in %%")
    ap.add_argument("--rule", choices=("fisher", "min"), default="fisher")
    a = ap.parse_args()
    rows = read_verdicts(a.verdicts)
    test_scores = [score(r, a.rule) for r in rows if r["set"] == "test"]
    if not test_scores:
        sys.exit(f"ood-sweep: {a.verdicts}: no held-out test digits (set \"test\")")

    table = [("as calibrated", summarise(rows, lambda r: r["flagged"] == "1"))]
    for rate in (float(x) for x in a.rates.split(",")):
        t = threshold_at(test_scores, rate / 100)
        table.append((f"{rate:g} % ({a.rule} > {t:.2f})", summarise(rows, lambda r, t=t: not r["hint"] and score(r, a.rule) > t)))
    table.append(("no detector", summarise(rows, lambda r: False)))

    cols = list(table[0][1].keys())
    print("| threshold | " + " | ".join(cols) + " |")
    print("| --- " * (len(cols) + 1) + "|")
    for name, figs in table:
        print(f"| {name} | " + " | ".join(figs[c] for c in cols) + " |")


if __name__ == "__main__":
    main()
