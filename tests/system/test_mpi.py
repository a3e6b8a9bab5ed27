#!/usr/bin/python3
"""Distributed runs (a build with -DMARROW_MPI=ON) give the serial program's output, whatever the
rank count.

Usage: test_mpi.py NAME --marrow SERIAL --mpi-marrow MPI_BUILD_MARROW --source DIR
Each test runs the serial program and the MPI build under mpirun (ranks oversubscribed on a small
machine) and compares every dataset but the provenance.
"""
import argparse
import os
import subprocess
import sys
import tempfile

import h5py
import numpy as np

from harness import fail, need

ARGS = None
# A short spin-up keeps the test quick; the state at its end is a crowded marrow all the same.
SHORT = ["--set", "run.spin_up_days=10", "--threads", "1", "--quiet"]


def serial(*args):
    r = subprocess.run([ARGS.marrow, "run", *map(str, args)], capture_output=True, text=True)
    need(r.returncode == 0, f"serial marrow run {args}: exit {r.returncode}: {r.stderr.strip()}")


def mpi(n, *args):
    r = subprocess.run(["mpirun", "--allow-run-as-root", "--oversubscribe", "-n", str(n),
                        ARGS.mpi_marrow, "run", *map(str, args)], capture_output=True, text=True)
    need(r.returncode == 0, f"mpirun -n {n} marrow run {args}: exit {r.returncode}: "
         f"{r.stderr.strip()[-2000:]}")


def datasets(path, under=""):
    out = {}
    with h5py.File(path, "r") as f:
        def visit(name, obj):
            if isinstance(obj, h5py.Dataset) and not name.startswith("provenance"):
                out[name] = obj[()]
        (f[under] if under else f).visititems(visit)
    return out


def same(a, b, what, under=""):
    da, db = datasets(a, under), datasets(b, under)
    need(da.keys() == db.keys(), f"{what}: different datasets {set(da) ^ set(db)}")
    for k in da:
        need(np.array_equal(da[k], db[k], equal_nan=True), f"{what}: {k} differs")


def test_identity(tmp):
    s = os.path.join(tmp, "s.h5")
    serial(*SHORT, "--days", 8, "--seed", 3, "--out", s)
    for n in [1, 2, 4]:
        r = os.path.join(tmp, f"r{n}.h5")
        mpi(n, *SHORT, "--days", 8, "--seed", 3, "--out", r)
        same(s, r, f"{n} ranks")
    # 3D: slabs of block planes (three here, so one of 4 ranks holds none).
    cube = [*SHORT[:1], "run.spin_up_days=3", *SHORT[2:], "--set", "lattice.size=[96,96,96]",
            "--days", 3, "--seed", 2]
    s3 = os.path.join(tmp, "s3.h5")
    serial(*cube, "--out", s3)
    for n in [2, 4]:
        r = os.path.join(tmp, f"c{n}.h5")
        mpi(n, *cube, "--out", r)
        same(s3, r, f"3D on {n} ranks")
    print("  1, 2 and 4 ranks, and 2 and 4 in 3D: every dataset identical to the serial run")


def test_transplant(tmp):
    s, r = os.path.join(tmp, "s.h5"), os.path.join(tmp, "r.h5")
    ex = os.path.join(ARGS.source, "examples", "transplant_pbsc.toml")
    serial(ex, *SHORT, "--days", 6, "--seed", 4, "--out", s)
    mpi(4, ex, *SHORT, "--days", 6, "--seed", 4, "--out", r)
    same(s, r, "transplant on 4 ranks")
    with h5py.File(r, "r") as f:
        last = sorted(f["snapshots"])[-1]
        need(f[f"snapshots/{last}/clones"].attrs["graft_clones"] > 0, "no graft clones")
    print("  conditioning and a graft on 4 ranks: identical to the serial run")


def test_restart(tmp):
    s, r4, c2 = (os.path.join(tmp, n) for n in ["s.h5", "r4.h5", "c2.h5"])
    serial(*SHORT, "--days", 8, "--seed", 3, "--out", s)
    mpi(4, *SHORT, "--days", 8, "--seed", 3, "--snapshot-every", 4, "--out", r4)
    mpi(2, "--threads", 1, "--quiet", "--restart", r4 + ":1", "--days", 8, "--out", c2)
    same(s, c2, "a 4-rank snapshot continued on 2 ranks", under="timeseries")
    with h5py.File(s, "r") as a, h5py.File(c2, "r") as b:
        la, lb = sorted(a["snapshots"])[-1], sorted(b["snapshots"])[-1]
        for k in a[f"snapshots/{la}/agents"]:
            need(np.array_equal(a[f"snapshots/{la}/agents/{k}"][()], b[f"snapshots/{lb}/agents/{k}"][()]),
                 f"final agents/{k} differ after the restart")
    print("  a 4-rank snapshot continued on 2 ranks: identical to the serial run")


if __name__ == "__main__":
    p = argparse.ArgumentParser()
    p.add_argument("name")
    p.add_argument("--marrow", required=True)
    p.add_argument("--mpi-marrow", required=True)
    p.add_argument("--source", required=True)
    ARGS = p.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        globals()["test_" + ARGS.name](tmp)
    print("ok:", ARGS.name)
