#!/usr/bin/python3
"""Response of aplastic anemia to a treatment on day 0, per patient and over a cohort.

    /usr/bin/python3 tools/aplastic_response.py RUN.h5... [--patients N] [--at DAY]
    /usr/bin/python3 tools/aplastic_response.py SWEEP_DIR [--patients N] [--at DAY]

Each run is one patient (examples/aplastic_anemia_ist.toml: the seed draws his clone's strength).
A patient is eligible when his counts over the 14 days before day 0 meet the severe criteria
(two of ANC < 0.5e9/L, platelets < 20e9/L, reticulocytes < 20e9/L: Camitta 1975 Blood 45:355),
as a trial enrols them; very severe when ANC < 0.2e9/L as well. He responds when, over the 14
days up to --at (default 180), he no longer meets the severe criteria, his neutrophils, platelets
and hemoglobin are above their baseline, and no transfusion was needed in the last 28 days
(Scheinberg 2011 N Engl J Med 365:430: response, no longer meeting the criteria for severe
aplastic anemia). --patients N counts the first N eligible patients in the order given (files)
or of the sweep's replicates. Prints one line per patient and the response rate with its 95 %
Wilson interval; exit 2 when a file is not a run or too short.
"""
import argparse
import math
import os
import sys

import h5py
import numpy as np

import marrow_analysis as ma


def severe(anc, plt, ret):
    return (anc < 0.5) + (plt < 20) + (ret < 20) >= 2


def assess(run, at):
    t = run.time
    if t[0] > -14 or t[-1] < at:
        raise ValueError(f"{run.path}: runs from day {t[0]:g} to {t[-1]:g}, needs -14 to {at:g}")

    def median(k, a, z):
        return float(np.median(run.blood[k][(t >= a) & (t <= z)]))

    keys = ("neutrophils", "platelets", "reticulocytes", "hemoglobin")
    base = {k: median(k, -14, 0) for k in keys}
    end = {k: median(k, at - 14, at) for k in keys}
    with h5py.File(run.path) as f:
        units = sum(f["timeseries/transfusions/" + k][()] for k in ("platelet_units", "rbc_units"))
        attack = float(f["parameters"].attrs.get("patient_attack", 1.0))
    late = t >= at - 28
    transfused = units[late][-1] > units[late][0] if late.any() else False
    eligible = severe(base["neutrophils"], base["platelets"], base["reticulocytes"])
    responds = (not severe(end["neutrophils"], end["platelets"], end["reticulocytes"])
                and all(end[k] > base[k] for k in ("neutrophils", "platelets", "hemoglobin"))
                and not transfused)
    return dict(attack=attack, base=base, end=end, eligible=eligible,
                very_severe=eligible and base["neutrophils"] < 0.2, responds=responds,
                transfused=transfused)


def wilson(k, n, z=1.96):
    if n == 0:
        return (math.nan, math.nan)
    p = k / n
    c = (p + z * z / (2 * n)) / (1 + z * z / n)
    h = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    return (c - h, c + h)


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("runs", nargs="+", help="run files (one per patient) or one sweep folder")
    p.add_argument("--patients", type=int, help="count the first N eligible patients")
    p.add_argument("--at", type=float, default=180.0, help="day of the assessment (default 180)")
    a = p.parse_args()
    paths = a.runs
    if len(paths) == 1 and os.path.isdir(paths[0]):
        try:
            paths = list(ma.load_sweep(paths[0]).runs["path"])
        except (ValueError, OSError) as e:
            p.error(str(e))
    eligible = responders = 0
    for path in paths:
        try:
            r = assess(ma.load_run(path), a.at)
        except (ValueError, OSError, KeyError) as e:
            print(f"aplastic_response: {e}", file=sys.stderr)
            return 2
        b, e = r["base"], r["end"]
        grade = "very severe" if r["very_severe"] else "severe" if r["eligible"] else "not severe"
        verdict = ("response" if r["responds"] else "no response") if r["eligible"] else "not eligible"
        print(f"{os.path.basename(path)}: attack x{r['attack']:.2f}, {grade} at baseline (ANC {b['neutrophils']:.2f}, "
              f"platelets {b['platelets']:.0f}, reticulocytes {b['reticulocytes']:.1f}); day {a.at:g}: ANC "
              f"{e['neutrophils']:.2f}, platelets {e['platelets']:.0f}, Hb {e['hemoglobin']:.1f}"
              f"{', transfused' if r['transfused'] else ''}: {verdict}")
        if r["eligible"]:
            eligible += 1
            responders += r["responds"]
            if a.patients and eligible == a.patients:
                break
    lo, hi = wilson(responders, eligible)
    share = 100 * responders / eligible if eligible else math.nan
    print(f"response at day {a.at:g}: {responders} of {eligible} eligible patients ({share:.0f} %, "
          f"95 % CI {100 * lo:.0f}-{100 * hi:.0f} %)")
    if a.patients and eligible < a.patients:
        print(f"aplastic_response: only {eligible} eligible patients, {a.patients} asked", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
