"""Conditions and supportive care end to end, in short runs: ITP's platelets, AIHA's anemia
and reticulocytes, transfusions by the rules, and identity at 1 and 2 threads and through a
restart for every condition.

Usage: test_conditions.py NAME --marrow PATH --source DIR"""
import os
import subprocess

import h5py
import numpy as np

from harness import need, run_named

# A short spin-up: the blood is set to equilibrium with the marrow at its end all the same.
SHORT = ["--quiet", "--set", "run.spin_up_days=30"]


def marrow(*args, timeout=900):
    return subprocess.run([ARGS.marrow, *map(str, args)], capture_output=True, text=True,
                          timeout=timeout)


def run(tmp, name, *args):
    out = os.path.join(tmp, name + ".h5")
    r = marrow("run", *args, *SHORT, "--out", out)
    need(r.returncode == 0, f"{name}: {r.stderr}")
    return h5py.File(out, "r")


def test_itp_aiha(tmp):
    """ITP: platelets below 100e9/L (Rodeghiero 2009) within two weeks, red cells untouched.
    AIHA: hemoglobin below 12 g/dL by day 30 with reticulocytes at least twice their count at
    day 0, platelets untouched."""
    with run(tmp, "itp", "--threads", "2", "--days", "30", "--set", 'conditions=["itp"]') as f:
        t = f["timeseries/time_days"][()]
        plt = f["timeseries/blood/platelets"][()]
        hb = f["timeseries/blood/hemoglobin"][()]
        late = t >= 14
        print(f"  ITP: platelets {plt[0]:.0f} at day 0, {np.max(plt[late]):.0f} at most from day 14;"
              f" hemoglobin {hb[0]:.2f} -> {hb[-1]:.2f}")
        need(plt[0] > 200 and np.max(plt[late]) < 100, "ITP platelets did not fall below 100e9/L")
        need(abs(hb[-1] - hb[0]) < 0.3, "ITP moved hemoglobin")
        need(np.all(f["timeseries/treatment/autoreactive_clone"][()] == 1.0), "clone not established")
    with run(tmp, "aiha", "--threads", "2", "--days", "30", "--set", 'conditions=["aiha"]') as f:
        hb = f["timeseries/blood/hemoglobin"][()]
        ret = f["timeseries/blood/reticulocytes"][()]
        plt = f["timeseries/blood/platelets"][()]
        print(f"  AIHA: hemoglobin {hb[0]:.2f} -> {hb[-1]:.2f} g/dL, reticulocytes {ret[0]:.1f} -> "
              f"{ret[-1]:.1f}e9/L, platelets {plt[0]:.0f} -> {plt[-1]:.0f}")
        need(hb[0] > 13.5 and hb[-1] < 12, "AIHA hemoglobin did not fall below 12 g/dL")
        need(ret[-1] >= 2 * ret[0], "AIHA reticulocytes not at least doubled")
        need(abs(plt[-1] - plt[0]) < 0.15 * plt[0], "AIHA moved platelets")


def test_supportive_care(tmp):
    """A myeloablative PBSC transplant: with the standard rules platelets are transfused while
    below 10e9/L and the units counted; without rules none are, and the platelets fall lower."""
    pbsc = os.path.join(ARGS.source, "examples", "transplant_pbsc.toml")
    units = {}
    for care in ("standard", "none"):
        with run(tmp, care, pbsc, "--threads", "2", "--days", "24", "--set",
                 f'supportive_care="{care}"') as f:
            e = f["endpoints"].attrs
            series = f["timeseries/transfusions/platelet_units"][()]
            plt = f["timeseries/blood/platelets"][()]
            units[care] = (int(e["platelet_transfusions"]), int(e["rbc_transfusions"]), plt.min())
            need(int(series[-1]) == units[care][0], "endpoint and series disagree")
            need(np.all(np.diff(series) >= 0), "cumulative units decrease")
            # Every unit follows a morning count below the threshold.
            for i in np.nonzero(np.diff(series))[0]:
                need(plt[i] < 10 or plt[i + 1] > plt[i], f"a unit on day {i + 1} with platelets above 10")
    print(f"  platelet units, red-cell units, platelet nadir: {units}")
    need(units["standard"][0] > 0, "no platelet transfusion under the standard rules")
    need(units["none"][:2] == (0, 0), "transfusions without rules")
    need(units["standard"][2] > units["none"][2], "transfusions did not raise the nadir")


def same(a, b, what):
    bad = []

    def visit(name, obj):
        if isinstance(obj, h5py.Dataset) and not name.startswith("provenance"):
            if name not in b or not np.array_equal(obj[()], b[name][()], equal_nan=True):
                bad.append(name)
    a.visititems(visit)
    need(not bad, f"{what}: {len(bad)} datasets differ, as {bad[:5]}")


def test_identity(tmp):
    """Every condition, with supportive care on, gives the same file at 1 and 2 threads and
    through a restart from a snapshot. Thresholds near the normal counts make transfusions
    happen before and after the snapshot. The last case is one patient of a cohort whose clone's
    attack is drawn from the seed (autoimmunity.attack_spread)."""
    cases = [(c, c, []) for c in ("itp", "aiha", "aplastic_anemia")]
    cases.append(("aplastic_patient", "aplastic_anemia", ["--seed", "4", "--set", "autoimmunity.attack_spread=0.5"]))
    for cond, name, extra in cases:
        args = ["--days", "12", "--set", f'conditions=["{name}"]', "--set", 'supportive_care="standard"',
                "--set", "transfusion.platelet_threshold=240", "--set",
                "transfusion.hemoglobin_threshold=14.3", "--snapshot-every", "6", *extra]
        one = run(tmp, cond + "_1", "--threads", "1", *args)
        two = run(tmp, cond + "_2", "--threads", "2", *args)
        same(one, two, f"{cond}: 1 and 2 threads")
        cont = os.path.join(tmp, cond + "_cont.h5")
        r = marrow("run", "--quiet", "--threads", "2", "--restart", one.filename + ":0", "--out", cont)
        need(r.returncode == 0, f"{cond} restart: {r.stderr}")
        with h5py.File(cont, "r") as c:
            same(one["timeseries"], c["timeseries"], f"{cond}: through a restart")
            same(one["events"], c["events"], f"{cond}: transfusion events through a restart")
            need(one["parameters"].attrs["patient_attack"] == c["parameters"].attrs["patient_attack"],
                 f"{cond}: the patient changed through a restart")
            u = c["timeseries/transfusions/platelet_units"][()] + c["timeseries/transfusions/rbc_units"][()]
            t = c["timeseries/time_days"][()]
            need(u[t <= 6][-1] > 0 and u[-1] > u[t <= 6][-1], f"{cond}: no transfusions on both sides")
            need(dict(one["endpoints"].attrs).keys() == dict(c["endpoints"].attrs).keys(), "endpoints")
        print(f"  {cond}: identical at 1 and 2 threads and through a restart at day 6, with "
              f"transfusions before and after it")
        one.close()
        two.close()


if __name__ == "__main__":
    run_named(globals())
