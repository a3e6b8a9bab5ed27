#!/usr/bin/python3
"""System test of tools/: the marrow_analysis loaders and every plotting script.

Usage: test_tools.py --marrow PATH --source DIR
Makes a small run and a small sweep in a temporary folder, checks what the loaders read from
them against the files, runs each plotting script and checks that it wrote a real PNG. Exits 0
when everything holds and prints what it found otherwise.
"""
import argparse
import os
import shutil
import subprocess
import sys
import tempfile

import h5py
import matplotlib

matplotlib.use("Agg")
import matplotlib.image  # noqa: E402
import numpy as np  # noqa: E402
from harness import fail, need  # noqa: E402

ARGS = None
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
DAYS, SNAPSHOT_EVERY, SEED = 6, 3, 5
SWEEP_VALUES, REPLICATES = [0.0, 0.1], 3
QUICK = ["--quiet", "--set", "run.spin_up_days=0"]


def marrow(*args):
    r = subprocess.run([ARGS.marrow, *map(str, args)], capture_output=True, text=True)
    need(r.returncode == 0, f"marrow {' '.join(map(str, args))} exited {r.returncode}: {r.stderr.strip()}")


def tool(script, *args):
    """Runs tools/<script> with this Python; returns the CompletedProcess."""
    return subprocess.run([sys.executable, os.path.join(ARGS.source, "tools", script), *map(str, args)],
                          capture_output=True, text=True)


def raises_value_error(fn, *args, naming):
    try:
        fn(*args)
    except ValueError as e:
        need(naming in str(e), f"{fn.__name__}{args}: the message {str(e)!r} does not name {naming}")
        return
    fail(f"{fn.__name__}{args} did not raise ValueError")


def check_png(path, label):
    need(os.path.isfile(path), f"{label}: {path} not written")
    need(os.path.getsize(path) > 1000, f"{label}: {path} is only {os.path.getsize(path)} bytes")
    with open(path, "rb") as f:
        need(f.read(8) == PNG_SIGNATURE, f"{label}: {path} lacks the PNG signature")
    try:
        img = matplotlib.image.imread(path)
    except (OSError, SyntaxError, ValueError) as e:  # what PIL raises for a broken PNG
        fail(f"{label}: matplotlib cannot read {path} back: {e}")
    need(img.ndim == 3 and img.shape[0] >= 300 and img.shape[1] >= 500, f"{label}: image shape {img.shape}")
    need(float(img[..., :3].std()) > 0.01, f"{label}: the image is (nearly) a single colour")


def run_plot(label, script, *args, out):
    r = tool(script, *args, "--out", out)
    need(r.returncode == 0, f"{label}: {script} exited {r.returncode}: {r.stderr.strip()}")
    need(r.stdout.strip() == out, f"{label}: {script} printed {r.stdout.strip()!r}, not the output path")
    check_png(out, label)
    print(f"  {label}: {os.path.getsize(out)} bytes")


def test_run_loaders(ma, run_h5):
    run = ma.load_run(run_h5)
    t = run.time
    need(t.dtype == np.float64 and t.shape == (DAYS + 1,) and t[0] == 0 and t[-1] == DAYS, f"time {t}")
    need(run.complete and run.provenance["seed"] == SEED, f"complete {run.complete}, provenance {run.provenance}")
    need(run.parameters["run"]["days"] == DAYS and run.parameters["run"]["seed"] == SEED,
         "the parsed scenario does not hold the run's days and seed")
    need(run.preset == "human" and 0 < run.represented_fraction < 1, f"{run.preset} {run.represented_fraction}")
    need({"LT_HSC", "MPP", "CMP"} <= set(run.populations), f"populations {sorted(run.populations)}")
    need(set(ma.UNITS) <= set(run.blood), f"blood {sorted(run.blood)}")
    need(set(run.niche) == {"occupied_niches", "hsc_in_niche_fraction", "egress", "homed"}, f"niche {sorted(run.niche)}")
    need(run.production and run.chimerism, "no production or chimerism series")
    # Normal ranges come from the file, which holds the preset's.
    need(run.normal_ranges().get("platelets") == (150.0, 400.0) and "hemoglobin" in run.normal_ranges(),
         f"normal ranges {run.normal_ranges()}")
    for group in [run.populations, run.blood, run.production, run.chimerism, run.niche]:
        for k, v in group.items():
            need(v.shape == t.shape, f"series {k} has shape {v.shape}, time {t.shape}")
    need(all(v.dtype == np.int64 for v in run.populations.values()), "populations are not int64")
    need(np.array_equal(sum(run.populations.values()), run.agents), "populations do not sum to agents")
    with h5py.File(run_h5, "r") as f:
        need(np.array_equal(run.blood["neutrophils"], f["timeseries/blood/neutrophils"][()]),
             "blood/neutrophils differs from the file")
        need(set(run.endpoints) == set(f["endpoints"].attrs), "endpoint names differ from the file")
    need(all(isinstance(v, float) for v in run.endpoints.values()), "endpoints are not floats")
    need(np.isnan(run.endpoints["neutrophil_engraftment_day"]), "steady state reached neutrophil engraftment")
    table = run.table()
    need(all(len(v) == len(t) for v in table.values()) and "population/LT_HSC" in table, "run.table() columns")

    snaps = ma.snapshots(run_h5)
    need([s.time_days for s in snaps] == [3.0, 6.0], f"snapshots {snaps}")
    need(snaps[0].step < snaps[1].step, f"snapshot steps {snaps}")
    last = ma.load_snapshot(run_h5, -1)
    by_name = ma.load_snapshot(run_h5, snaps[-1].name)
    need(last.name == snaps[-1].name and last.time_days == DAYS, f"last snapshot {last.name} {last.time_days}")
    need(np.array_equal(last.agents["clone"], by_name.agents["clone"]), "by index and by name differ")
    n = len(last.agents["x"])
    need(n == run.agents[-1], f"{n} agents in the last snapshot, time series says {run.agents[-1]}")
    for fld in ["x", "y", "z", "type", "clone", "origin", "divisions", "quiescent", "gene_modified"]:
        need(len(last.agents[fld]) == n, f"agents/{fld} length {len(last.agents[fld])}, expected {n}")
    need(last.agents["type"].max() < len(last.type_names), "type codes outside type_names")
    need(last.origin_names == ["host", "donor"], f"origin_names {last.origin_names}")
    k = last.site_kind
    need(k.dtype == np.uint8 and k.ndim == 3 and k.shape == last.niche.shape, f"site_kind {k.dtype} {k.shape}")
    need(last.site_kind_names == ["marrow", "bone", "sinusoid", "arteriole"], f"{last.site_kind_names}")
    need(k.max() < len(last.site_kind_names), "site kind codes outside kind_names")
    need(0 <= last.agents["x"].min() and last.agents["x"].max() < k.shape[2], "agent x outside the lattice")
    raises_value_error(ma.load_snapshot, run_h5, "999999", naming=run_h5)
    raises_value_error(ma.load_snapshot, run_h5, 7, naming=run_h5)

    cs = ma.clone_sizes(last)
    need(cs["size"].sum() == n, f"clone sizes sum to {cs['size'].sum()}, {n} agents")
    need(len(np.unique(cs["clone"])) == len(cs["clone"]), "a clone id appears twice")
    need(np.all(np.diff(cs["size"]) <= 0), "clone sizes are not largest first")
    ids, counts = np.unique(last.agents["clone"], return_counts=True)
    need(dict(zip(ids, counts)) == dict(zip(cs["clone"], cs["size"])), "clone sizes differ from a direct count")
    hsc = ma.clone_sizes(last, types=["LT_HSC"])
    need(hsc["size"].sum() == run.populations["LT_HSC"][-1], "LT_HSC clone sizes do not add up to the LT_HSCs")
    raises_value_error(ma.clone_sizes, last, ["NO_SUCH_TYPE"], naming="NO_SUCH_TYPE")
    print(f"  run loaders: {len(t)} times, {len(snaps)} snapshots, {n} agents in {len(cs['clone'])} clones")


def test_sweep_loader(ma, sweep_dir):
    sw = ma.load_sweep(sweep_dir)
    key = "types.MPP.death_per_day"
    need(sw.varied == [key] and np.array_equal(sw.points[key], SWEEP_VALUES), f"points {sw.points}")
    need(list(sw.completed) == [REPLICATES] * 2 and list(sw.failed) == [0, 0], f"{sw.completed} {sw.failed}")
    q = sw.metric("final_neutrophils")
    need(set(q) == set(ma.QUANTILES) | {"not_reached"} and all(v.shape == (2,) for v in q.values()),
         f"final_neutrophils quantiles {q}")
    need(np.all(q["lo95"] <= q["q25"]) and np.all(q["q25"] <= q["median"]) and np.all(q["median"] <= q["q75"])
         and np.all(q["q75"] <= q["hi95"]), f"final_neutrophils quantiles out of order {q}")
    need(np.all(sw.metric("neutrophil_engraftment_day")["not_reached"] == REPLICATES),
         "engraftment should be not reached in every steady-state run")
    runs = sw.runs
    need(len(runs["file"]) == 2 * REPLICATES and all(os.path.isfile(p) for p in runs["path"]), "runs.csv paths")
    need(np.array_equal(runs[key], np.repeat(SWEEP_VALUES, REPLICATES)), f"runs.csv {key} {runs[key]}")
    for point in range(2):
        finals = [ma.load_run(p).blood["neutrophils"][-1] for p in runs["path"][runs["point"] == point]]
        need(np.isclose(np.median(finals), q["median"][point], rtol=1e-12, atol=0),
             f"point {point}: the summary median {q['median'][point]} is not the median of its runs {finals}")
    table = sw.table()
    need(all(len(v) == 2 for v in table.values()) and "final_neutrophils_median" in table, "sweep.table()")
    raises_value_error(sw.metric, "no_such_metric", naming="no_such_metric")
    print(f"  sweep loader: {len(sw.metrics)} metrics over {len(sw.completed)} points")


def test_interrupted_engrafted(ma, tmp, run_h5):
    """A copy of the run marked interrupted and with engraftment days, as a transplant run has."""
    edited = os.path.join(tmp, "edited.h5")
    shutil.copy(run_h5, edited)
    with h5py.File(edited, "r+") as f:
        f["provenance"].attrs["complete"] = np.int64(0)
        f["provenance"].attrs["interrupted"] = "SIGINT"
        f["endpoints"].attrs["neutrophil_engraftment_day"] = 2.0
        f["endpoints"].attrs["platelet_engraftment_day"] = 4.0
    run = ma.load_run(edited)
    need(not run.complete and run.provenance["interrupted"] == "SIGINT", "an interrupted run reads as complete")
    need(run.endpoints["neutrophil_engraftment_day"] == 2.0, "edited endpoint not read")
    run_plot("plot_run interrupted, engrafted", "plot_run.py", edited, out=os.path.join(tmp, "edited.png"))


def test_not_marrow(ma, tmp):
    junk = os.path.join(tmp, "junk.h5")
    with open(junk, "w") as f:
        f.write("not hdf5")
    other = os.path.join(tmp, "other.h5")
    with h5py.File(other, "w") as f:
        f["x"] = np.arange(3)
    for path in [junk, other]:
        raises_value_error(ma.load_run, path, naming=path)
        raises_value_error(ma.snapshots, path, naming=path)
        raises_value_error(ma.load_snapshot, path, -1, naming=path)
    empty = os.path.join(tmp, "empty")
    os.mkdir(empty)
    raises_value_error(ma.load_sweep, empty, naming=empty)
    raises_value_error(ma.load_sweep, junk, naming=junk)
    r = tool("plot_run.py", junk, "--out", os.path.join(tmp, "junk.png"))
    need(r.returncode == 2 and junk in r.stderr, f"plot_run.py on junk: exit {r.returncode}: {r.stderr.strip()}")
    need(not os.path.exists(os.path.join(tmp, "junk.png")), "plot_run.py wrote a PNG for junk input")
    r = tool("plot_sweep.py", empty)
    need(r.returncode == 2 and "summary.csv" in r.stderr, f"plot_sweep.py on an empty folder: {r.stderr.strip()}")
    print("  non-marrow input: ValueError naming the file; scripts exit 2")


def test_scripts(tmp, run_h5, sweep_dir):
    png = lambda name: os.path.join(tmp, name + ".png")  # noqa: E731
    run_plot("plot_run", "plot_run.py", run_h5, out=png("run"))
    run_plot("plot_populations", "plot_populations.py", run_h5, out=png("populations"))
    run_plot("plot_populations --types", "plot_populations.py", run_h5, "--types", "LT_HSC,MPP",
             out=png("populations_some"))
    run_plot("plot_chimerism", "plot_chimerism.py", run_h5, out=png("chimerism"))
    run_plot("plot_clones", "plot_clones.py", run_h5, out=png("clones"))
    run_plot("plot_clones LT_HSC, first snapshot", "plot_clones.py", run_h5, "--types", "LT_HSC",
             "--snapshot", "0", out=png("clones_hsc"))
    run_plot("plot_sweep", "plot_sweep.py", sweep_dir, out=png("sweep"))
    run_plot("plot_sweep endpoints", "plot_sweep.py", sweep_dir, "--metric", "nadir_neutrophils_day",
             "--metric", "neutrophil_engraftment_day", out=png("sweep_endpoints"))
    # Without --out: next to the input.
    r = tool("plot_run.py", run_h5)
    need(r.returncode == 0, f"plot_run.py without --out: {r.stderr.strip()}")
    check_png(os.path.splitext(run_h5)[0] + ".png", "plot_run default output")
    r = tool("plot_sweep.py", sweep_dir)
    need(r.returncode == 0, f"plot_sweep.py without --out: {r.stderr.strip()}")
    check_png(os.path.join(sweep_dir, "sweep.png"), "plot_sweep default output")
    r = tool("plot_sweep.py", sweep_dir, "--metric", "no_such_metric", "--out", png("bad"))
    need(r.returncode == 2 and "no_such_metric" in r.stderr, f"an unknown metric: {r.stderr.strip()}")


def test_aplastic_response(tmp):
    """tools/aplastic_response.py on two short patients of the IST example: one line each, and the
    rate over the eligible ones; a run too short for the assessment is exit 2."""
    files = []
    for seed in (4, 5):  # attack x2.0 and x1.0: both severe after 40 days of disease
        out = os.path.join(tmp, f"ist{seed}.h5")
        marrow("run", os.path.join(ARGS.source, "examples", "aplastic_anemia_ist.toml"), *QUICK, "--seed", seed,
               "--days", 20, "--set", "autoimmunity.onset_day=-40", "--out", out)
        files.append(out)
    r = tool("aplastic_response.py", *files, "--at", 20)
    lines = r.stdout.strip().splitlines()
    need(r.returncode == 0 and len(lines) == 3, f"aplastic_response: exit {r.returncode}: {r.stdout}{r.stderr}")
    need(all("severe at baseline" in line for line in lines[:2]), f"aplastic_response: {lines}")
    need(lines[2].startswith("response at day 20: ") and "of 2 eligible patients" in lines[2], lines[2])
    r = tool("aplastic_response.py", files[0], "--at", 40)
    need(r.returncode == 2 and "needs -14 to 40" in r.stderr, f"too short a run: {r.returncode} {r.stderr}")


def main():
    global ARGS
    p = argparse.ArgumentParser()
    p.add_argument("--marrow", required=True)
    p.add_argument("--source", required=True)
    ARGS = p.parse_args()
    sys.path.insert(0, os.path.join(ARGS.source, "tools"))
    import marrow_analysis as ma
    with tempfile.TemporaryDirectory() as tmp:
        run_h5 = os.path.join(tmp, "run.h5")
        marrow("run", *QUICK, "--days", DAYS, "--snapshot-every", SNAPSHOT_EVERY, "--seed", SEED, "--out", run_h5)
        sweep_dir = os.path.join(tmp, "sweep")
        marrow("sweep", *QUICK, "--days", 3, "--replicates", REPLICATES,
               "--vary", "types.MPP.death_per_day=" + ",".join(f"{v:g}" for v in SWEEP_VALUES), "--out", sweep_dir)
        test_run_loaders(ma, run_h5)
        test_sweep_loader(ma, sweep_dir)
        test_interrupted_engrafted(ma, tmp, run_h5)
        test_not_marrow(ma, tmp)
        test_scripts(tmp, run_h5, sweep_dir)
        test_aplastic_response(tmp)
    print("ok: tools")


if __name__ == "__main__":
    main()
