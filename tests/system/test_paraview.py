#!/usr/bin/python3
"""System test of the XDMF sidecar in ParaView.

Usage: test_paraview.py --marrow PATH --source DIR
Makes a short run with two snapshots in a temporary folder and opens its sidecar FILE.xmf in
pvpython (under xvfb-run) with ParaView's default XDMF reader, Xdmf3ReaderS, and with the legacy
XDMFReader. At every time step each reader must give the agents as a point set with as many
points as the snapshot has agents in the HDF5, carrying the agent arrays, and the lattice as a
grid of the lattice's dimensions with its fields.

Where pvpython or xvfb-run is not installed the test prints "SKIP: pvpython not installed" and
exits 0, unless MARROW_REQUIRE_PARAVIEW is set: then a missing ParaView is a failure.
"""
import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time

import h5py

from harness import fail, need

DAYS, SNAPSHOT_EVERY = 4, 2
AGENT_ARRAYS = ["type", "clone", "origin", "divisions", "quiescent", "gene_modified"]
READERS = ["Xdmf3ReaderS", "XDMFReader"]

# Runs inside pvpython: argv = sidecar, reader name. Prints one JSON line per time step.
PV_SCRIPT = r'''
import json
import sys

from paraview import servermanager
from paraview import simple

xmf, reader_name = sys.argv[1], sys.argv[2]
if reader_name == "XDMFReader":
    reader = simple.XDMFReader(FileNames=[xmf])
else:
    reader = getattr(simple, reader_name)(FileName=xmf)
times = list(reader.TimestepValues)


def leaves(data):
    if not data.IsA("vtkCompositeDataSet"):
        yield data
        return
    it = data.NewIterator()
    it.InitTraversal()
    while not it.IsDoneWithTraversal():
        yield it.GetCurrentDataObject()
        it.GoToNextItem()


for t in times:
    reader.UpdatePipeline(t)
    data = servermanager.Fetch(reader)
    out = {"time": t, "times": times, "point_sets": [], "grids": []}
    for leaf in leaves(data):
        if leaf is None:
            continue
        if leaf.IsA("vtkUnstructuredGrid") or leaf.IsA("vtkPolyData"):
            pd = leaf.GetPointData()
            out["point_sets"].append({
                "points": leaf.GetNumberOfPoints(),
                "arrays": [pd.GetArrayName(i) for i in range(pd.GetNumberOfArrays())]})
        elif leaf.IsA("vtkImageData"):
            cd = leaf.GetCellData()
            out["grids"].append({
                "dims": list(leaf.GetDimensions()),
                "arrays": [cd.GetArrayName(i) for i in range(cd.GetNumberOfArrays())]})
    print("RESULT " + json.dumps(out), flush=True)
'''


def expected(h5):
    """Per snapshot, in order: time in days and agent count; and the lattice's (nx, ny, nz)."""
    with h5py.File(h5, "r") as f:
        names = sorted(f["snapshots"])
        snaps = [(float(f["snapshots"][n].attrs["time_days"]), len(f["snapshots"][n]["agents"]["x"]))
                 for n in names]
        nz, ny, nx = f["snapshots"][names[0]]["lattice"]["site_kind"].shape
        fields = sorted(f["snapshots"][names[0]]["fields"])
    return snaps, (nx, ny, nz), fields


def check_reader(name, results, stderr, snaps, lattice, fields):
    need(results, f"{name}: no time steps read; pvpython said: {stderr[-2000:]}")
    times = results[0]["times"]
    need(len(times) == len(snaps) and all(abs(a - b) < 1e-9 for a, (b, _) in zip(times, snaps)),
         f"{name}: time steps {times}, the run's snapshots are at {[t for t, _ in snaps]}")
    need(len(results) == len(snaps), f"{name}: read {len(results)} of {len(snaps)} time steps")
    nx, ny, nz = lattice
    for r, (t, agents) in zip(results, snaps):
        sets = [s for s in r["point_sets"] if s["points"] > 0]
        need(len(sets) == 1,
             f"{name} at t={t}: expected one agents point set, found "
             f"{[s['points'] for s in r['point_sets']]} points; pvpython said: {stderr[-2000:]}")
        need(sets[0]["points"] == agents,
             f"{name} at t={t}: {sets[0]['points']} agent points, the snapshot has {agents}")
        missing = [a for a in AGENT_ARRAYS if a not in sets[0]["arrays"]]
        need(not missing, f"{name} at t={t}: agent arrays {missing} missing from {sets[0]['arrays']}")
        need(len(r["grids"]) == 1, f"{name} at t={t}: {len(r['grids'])} lattice grids")
        grid = r["grids"][0]
        need(grid["dims"] == [nx + 1, ny + 1, nz + 1],
             f"{name} at t={t}: grid of {grid['dims']} points, the lattice is {nx}x{ny}x{nz} sites")
        missing = [a for a in ["site_kind", "niche", *fields] if a not in grid["arrays"]]
        need(not missing, f"{name} at t={t}: lattice arrays {missing} missing from {grid['arrays']}")
        print(f"  {name} t={t:g}: {sets[0]['points']} agent points, grid {grid['dims']}")
    need("Skipping unrecognized array type" not in stderr,
         f"{name}: the reader skipped arrays: {stderr[-2000:]}")


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--marrow", required=True)
    p.add_argument("--source", required=True)
    args = p.parse_args()

    pvpython, xvfb = shutil.which("pvpython"), shutil.which("xvfb-run")
    if not pvpython or not xvfb:
        missing = "pvpython" if not pvpython else "xvfb-run"
        if os.environ.get("MARROW_REQUIRE_PARAVIEW"):
            fail(f"{missing} not installed and MARROW_REQUIRE_PARAVIEW is set")
        print(f"SKIP: pvpython not installed ({missing} not found)")
        return 0

    tmp = tempfile.mkdtemp(prefix="marrow_paraview_")
    try:
        h5 = os.path.join(tmp, "pv.h5")
        xmf = os.path.join(tmp, "pv.xmf")
        r = subprocess.run([args.marrow, "run", "--quiet", "--threads", "1", "--set",
                            "run.spin_up_days=0", "--days", str(DAYS), "--snapshot-every",
                            str(SNAPSHOT_EVERY), "--out", h5], capture_output=True, text=True)
        need(r.returncode == 0, f"marrow run exited {r.returncode}: {r.stderr.strip()}")
        need(os.path.exists(xmf), "the run wrote no XDMF sidecar")
        snaps, lattice, fields = expected(h5)
        need(len(snaps) >= 2, f"the run wrote {len(snaps)} snapshots, the test needs a time series")
        script = os.path.join(tmp, "read_xdmf.py")
        with open(script, "w") as f:
            f.write(PV_SCRIPT)
        for name in READERS:
            start = time.monotonic()
            # An absolute path: Xdmf3 resolves the HDF5 file against the sidecar's folder.
            r = subprocess.run([xvfb, "-a", pvpython, "--no-mpi", "--disable-registry", script,
                                os.path.abspath(xmf), name],
                               capture_output=True, text=True, timeout=300, cwd=tmp)
            results = [json.loads(line[len("RESULT "):]) for line in r.stdout.splitlines()
                       if line.startswith("RESULT ")]
            need(r.returncode == 0,
                 f"{name}: pvpython exited {r.returncode}: {r.stderr[-2000:]}")
            check_reader(name, results, r.stderr, snaps, lattice, fields)
            print(f"  {name}: {time.monotonic() - start:.1f} s")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    print("OK")
    return 0


if __name__ == "__main__":
    sys.exit(main())
