#!/usr/bin/python3
"""Sweeps on a batch scheduler: `marrow sweep --scheduler slurm` as one Slurm job array.

Usage: test_scheduler.py NAME --marrow PATH --source DIR

Needs a running Slurm that accepts jobs (scripts/local_slurm.sh start brings one up on this
machine). Where there is none the test prints "SKIP: ..." and exits 0, unless MARROW_REQUIRE_SLURM
is set: then a missing Slurm is a failure.
"""
import os
import shutil
import subprocess
import time

from harness import fail, need, run_named

ARGS = None

# A 2 x 2 grid of short runs: the scheduler's path is the point, not the biology.
GRID = ["--days", "2", "--set", "run.spin_up_days=0", "--vary", "types.MPP.death_per_day=0,0.1",
        "--replicates", "2"]


def marrow(*args, check=True):
    r = subprocess.run([ARGS.marrow, *map(str, args)], capture_output=True, text=True)
    if check and r.returncode != 0:
        fail(f"marrow {' '.join(map(str, args))} exited {r.returncode}: {r.stderr.strip()}")
    return r


def slurm_up():
    if not shutil.which("sbatch") or not shutil.which("sinfo"):
        return "sbatch or sinfo not installed"
    r = subprocess.run(["sinfo", "-h", "-o", "%T"], capture_output=True, text=True)
    if r.returncode != 0 or not any(s.startswith(("idle", "mixed", "alloc")) for s in r.stdout.split()):
        return "no Slurm node accepts jobs (scripts/local_slurm.sh start)"
    return None


def wait_for(job, limit=600):
    t0 = time.time()
    while time.time() - t0 < limit:
        r = subprocess.run(["squeue", "-h", "-j", job], capture_output=True, text=True)
        if r.returncode != 0 or not r.stdout.strip():
            return
        time.sleep(1)
    fail(f"Slurm job {job} still queued after {limit} s")


def summary(folder):
    with open(os.path.join(folder, "summary.csv")) as f:
        return f.read().replace(folder, "DIR")


def test_slurm_sweep(tmp):
    why = slurm_up()
    if why:
        if os.environ.get("MARROW_REQUIRE_SLURM"):
            fail(f"{why}, and MARROW_REQUIRE_SLURM is set")
        print("SKIP:", why)
        return
    sl, lo = os.path.join(tmp, "sl"), os.path.join(tmp, "lo")
    r = marrow("sweep", *GRID, "--scheduler", "slurm", "--out", sl)
    need("submitted Slurm job array" in r.stdout, f"no submission reported: {r.stdout}")
    job = open(os.path.join(sl, "slurm", "job_id")).read().strip()
    script = open(os.path.join(sl, "slurm", "sweep.sbatch")).read()
    need("#SBATCH --array=0-3\n" in script, "the array does not cover runs 0-3")
    # A second submission into the folder while the array is queued or running is refused.
    again = marrow("sweep", *GRID, "--scheduler", "slurm", "--out", sl, check=False)
    queued = subprocess.run(["squeue", "-h", "-j", job], capture_output=True, text=True).stdout
    if queued.strip():
        need(again.returncode == 2 and "still queued or running" in again.stderr,
             f"resubmission while job {job} is queued: exit {again.returncode}, {again.stderr}")
    wait_for(job)
    r = marrow("sweep", "--collect", sl)
    need("4 completed" in r.stdout, f"collect: {r.stdout}")
    marrow("sweep", *GRID, "--jobs", "2", "--out", lo)
    need(summary(sl) == summary(lo), "the Slurm sweep's summary differs from the local sweep's")
    need(open(os.path.join(sl, "runs.csv")).read() == open(os.path.join(lo, "runs.csv")).read(),
         "runs.csv differs")
    # Resumable: a re-submission runs only the missing run, and --wait collects at the end.
    os.remove(os.path.join(sl, "p001_r000.h5"))
    r = marrow("sweep", *GRID, "--scheduler", "slurm", "--wait", "--out", sl)
    need("1 runs (3 already complete)" in r.stdout, f"re-submission: {r.stdout}")
    need("#SBATCH --array=2\n" in open(os.path.join(sl, "slurm", "sweep.sbatch")).read(),
         "the re-submitted array is not run 2 alone")
    need(summary(sl) == summary(lo), "summary after the re-submission differs")
    # Nothing left to run: nothing is submitted.
    r = marrow("sweep", *GRID, "--scheduler", "slurm", "--out", sl)
    need("nothing to submit" in r.stdout, f"complete sweep: {r.stdout}")
    # A folder that is not a sweep's: one clear message, exit 2.
    r = marrow("sweep", "--collect", tmp, check=False)
    need(r.returncode == 2 and "runs.csv" in r.stderr, f"collect on a non-sweep folder: {r.stderr}")
    print(f"  job {job}: 4 runs, summary identical to the local sweep; re-submission ran 1")


if __name__ == "__main__":
    run_named(globals())
