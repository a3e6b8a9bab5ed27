#!/usr/bin/python3
"""Suggests calibrated `initial` counts and maturation `amplification` factors from a long run.

    /usr/bin/python3 tools/calibrate.py RUN.h5 --from-day 365 --target neutrophils=4 \
        --target rbc=5 --target platelets=250 --target lymphocytes=2

Initial counts: the mean population of each type after --from-day (the stem type is left as it
is: its initial count fixes the represented fraction of the marrow). Amplification: the current
factor times target / mean concentration of the pool the compartment feeds most, times the mean
response multiplier of the compartment's hormone where it has one (the run's production was
amplification x multiplier; at the target the hormone is at rest, multiplier 1). With feedback
the counts move less than the factor, so run again with the suggestion and repeat until the
suggested factors stop changing.
"""
import argparse
import tomllib

import h5py
import numpy as np


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("run")
    p.add_argument("--from-day", type=float, default=365.0)
    p.add_argument("--target", action="append", default=[], help="POOL=concentration")
    a = p.parse_args()
    targets = {k: float(v) for k, v in (t.split("=", 1) for t in a.target)}
    with h5py.File(a.run, "r") as f:
        sc = tomllib.loads(f["parameters"].attrs["scenario"])
        t = f["timeseries/time_days"][()]
        late = t >= a.from_day
        if not late.any():
            raise SystemExit(f"the run ends at day {t[-1]}, before --from-day {a.from_day}")
        stem = sc["organism"]["hsc_type"]
        print("# initial counts (mean after day %g)" % a.from_day)
        for name in sorted(f["timeseries/population"]):
            if name == stem:
                continue
            m = float(np.mean(f["timeseries/population"][name][()][late]))
            print(f"types.{name}.initial = {int(round(m, -1))}")
        print("# amplification")
        for comp, m in sorted(sc["maturation"].items()):
            pool = max(m["feeds"], key=m["feeds"].get)
            if pool not in targets:
                continue
            c = float(np.mean(f["timeseries/blood"][pool][()][late]))
            key = f"timeseries/cytokines/{m.get('hormone', '')}_multiplier"
            x = float(np.mean(f[key][()][late])) if "hormone" in m and key in f else 1.0
            print(f"maturation.{comp}.amplification = {m['amplification'] * x * targets[pool] / c:.4g}"
                  f"  # {pool}: mean {c:.4g}, target {targets[pool]:g}, hormone multiplier {x:.3g}")


if __name__ == "__main__":
    main()
