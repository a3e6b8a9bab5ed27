#!/usr/bin/python3
"""System tests of output integrity: hostile targets, faults, signals and strict options.

Usage: test_integrity.py NAME --marrow PATH --source DIR
Each test reproduces one way a run could lose or corrupt data (or crash on input) and checks
that marrow refuses it with one message and exit 2 before simulating, or fails cleanly without
leaving anything under the final name. Exits 0 when the test holds.
"""
import hashlib
import os
import shutil
import signal
import stat
import subprocess
import time

import h5py
import numpy as np

from harness import need, partials, run_named

ARGS = None
QUICK = ["--quiet", "--threads", "1", "--set", "run.spin_up_days=0"]


def marrow(*args, env=None, timeout=600):
    t = time.time()
    r = subprocess.run([ARGS.marrow, *map(str, args)], capture_output=True, text=True, env=env,
                       timeout=timeout)
    r.seconds = time.time() - t
    return r


def md5(path):
    with open(path, "rb") as f:
        return hashlib.md5(f.read()).hexdigest()


def complete(path):
    with h5py.File(path, "r") as f:
        return int(f["provenance"].attrs["complete"]) == 1 and len(f["timeseries/time_days"]) > 0


def refused(r, label, *words):
    """Exit 2 with one line naming what was wrong, quickly (before any simulation)."""
    msg = r.stderr.strip()
    print(f"  {label}: exit {r.returncode} after {r.seconds:.1f} s: {msg}")
    need(r.returncode == 2, f"{label}: exit {r.returncode}, expected 2")
    need(len(msg.splitlines()) == 1, f"{label}: expected one message line, got {msg!r}")
    need("HDF5-DIAG" not in r.stderr, f"{label}: HDF5's error stack printed")
    for w in words:
        need(w in msg, f"{label}: the message lacks {w!r}")


def wait_for(cond, seconds, what):
    deadline = time.time() + seconds
    while not cond():
        need(time.time() < deadline, f"timed out waiting for {what}")
        time.sleep(0.1)


def test_same_target(tmp):
    """Two runs into one --out: the second is refused at once, the first completes intact, with
    and without HDF5's own file locking."""
    out = os.path.join(tmp, "same.h5")
    for env_locking in ("default", "FALSE"):
        env = dict(os.environ)
        if env_locking == "FALSE":
            env["HDF5_USE_FILE_LOCKING"] = "FALSE"
        # (Long enough to still be running when the second run has started and been refused.)
        a = subprocess.Popen([ARGS.marrow, "run", *QUICK, "--days", "40", "--out", out], env=env,
                             stderr=subprocess.PIPE, text=True)
        wait_for(lambda: partials(out), 120, "the first run's temporary file")
        b = marrow("run", *QUICK, "--days", "8", "--out", out, env=env)
        refused(b, f"second run (HDF5 locking {env_locking})", "same.h5", "another marrow run")
        need(b.seconds < 20, "the second run was not refused before simulating")
        need(a.wait(timeout=600) == 0, f"the first run failed: {a.stderr.read()}")
        need(complete(out), "the first run's file is not complete")
        need(not partials(out) and not os.path.exists(out + ".lock"), "temporary or lock left")
    # A killed run leaves its temporary; the next run into the target removes it.
    a = subprocess.Popen([ARGS.marrow, "run", *QUICK, "--days", "200", "--out", out])
    wait_for(lambda: partials(out), 120, "the run's temporary file")
    a.kill()
    a.wait()
    need(complete(out), "SIGKILL damaged the previous complete file")
    r = marrow("run", *QUICK, "--days", "1", "--out", out)
    need(r.returncode == 0, f"a run after a killed one: {r.stderr}")
    need(not partials(out), "the killed run's temporary file was not cleaned up")


def test_hostile_targets(tmp):
    """--out onto the scenario, a FIFO, a directory, the sidecar's name, a file that is not a
    marrow output, a folder that does not exist, an input's sidecar: refused with exit 2 before
    simulating, and nothing touched."""
    sc = os.path.join(tmp, "s.toml")
    shutil.copy(os.path.join(ARGS.source, "examples", "steady_state_human.toml"), sc)
    fifo, adir, user = os.path.join(tmp, "fifo"), os.path.join(tmp, "adir"), os.path.join(tmp, "data.h5")
    os.mkfifo(fifo)
    os.mkdir(adir)
    with open(user, "wb") as f:
        f.write(b"a user's file, not marrow output\n")
    before = {p: md5(p) for p in (sc, user)}
    cases = [
        (sc, "s.toml", "input"),
        (fifo, "fifo", "FIFO"),
        (adir, "adir", "directory"),
        (os.path.join(tmp, "x.xmf"), "x.xmf", "sidecar"),
        (user, "data.h5", "not a marrow output"),
        (os.path.join(tmp, "nofolder", "r.h5"), "nofolder", "does not exist"),
        (os.path.join(tmp, "s.h5"), "s.toml", None),  # fine: the sidecar s.xmf is not an input
    ]
    for target, name, word in cases:
        r = marrow("run", sc, *QUICK, "--days", "2", "--out", target, timeout=120)
        if word is None:
            need(r.returncode == 0, f"--out {target}: {r.stderr}")
            continue
        refused(r, f"--out {name}", name, word)
        need(r.seconds < 20, f"--out {name}: not refused before simulating")
    need(all(md5(p) == h for p, h in before.items()), "an input or a user's file changed")
    need(stat.S_ISFIFO(os.stat(fifo).st_mode) and os.path.isdir(adir), "FIFO or folder replaced")
    need(not os.path.exists(os.path.join(tmp, "x.xmf")), "x.xmf written")
    # The sidecar's name taken by a FIFO, and an XDMF sidecar that is the scenario itself.
    os.mkfifo(os.path.join(tmp, "y.xmf"))
    refused(marrow("run", *QUICK, "--days", "2", "--out", os.path.join(tmp, "y.h5")), "sidecar a FIFO",
            "y.xmf")
    shutil.copy(sc, os.path.join(tmp, "z.xmf"))
    refused(marrow("run", os.path.join(tmp, "z.xmf"), *QUICK, "--days", "2", "--out",
                   os.path.join(tmp, "z.h5")), "sidecar the scenario", "z.xmf")
    # A restart whose output would be the file it restarts from.
    r = marrow("run", *QUICK, "--days", "2", "--out", os.path.join(tmp, "r.h5"))
    need(r.returncode == 0, r.stderr)
    refused(marrow("run", "--quiet", "--restart", os.path.join(tmp, "r.h5"), "--out",
                   os.path.join(tmp, "r.h5")), "restart onto itself", "input")


def test_disk_full(tmp):
    """A full disk: a non-zero exit below 128 (no crash), one message with the reason, and
    nothing under the final name. Needs root for a small tmpfs."""
    if os.geteuid() != 0 or not shutil.which("mount"):
        print("SKIP: disk full needs root to mount a small tmpfs")
        return
    tiny = os.path.join(tmp, "tiny")
    os.mkdir(tiny)
    # Sizes where the first snapshot, a later snapshot, and the final timeseries run out.
    for size in ("1m", "2m", "3400k", "6m"):
        if subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", tiny]).returncode:
            print("SKIP: cannot mount a tmpfs here")
            return
        try:
            out = os.path.join(tiny, "x.h5")
            r = marrow("run", *QUICK, "--days", "2", "--snapshot-every", "1", "--out", out)
            msg = r.stderr.strip()
            print(f"  tmpfs {size}: exit {r.returncode}: {msg}")
            need(0 < r.returncode < 128, f"tmpfs {size}: exit {r.returncode}")
            need(len(msg.splitlines()) == 1, f"tmpfs {size}: expected one message line")
            need("No space left" in msg, f"tmpfs {size}: the message gives no reason")
            left = os.listdir(tiny)
            need(left == [], f"tmpfs {size}: left behind {left}")
        finally:
            subprocess.run(["umount", tiny])


def test_restart_own_history(tmp):
    """A restart reads its history from exactly the file named: a renamed copy of run A, next
    to a different run B, continues A; a name without .h5 works too."""
    a, b = os.path.join(tmp, "A.h5"), os.path.join(tmp, "B.h5")
    for path, seed in ((a, 1), (b, 2)):
        r = marrow("run", *QUICK, "--days", "8", "--seed", seed, "--snapshot-every", "4", "--out", path)
        need(r.returncode == 0, r.stderr)
    for copy in ("B.h5.bak", "B.h5.partial", "copyofA"):
        src = os.path.join(tmp, copy)
        shutil.copy(a, src)
        c = os.path.join(tmp, copy + ".continued.h5")
        r = marrow("run", "--quiet", "--threads", "1", "--restart", src + ":1", "--days", "8", "--out", c)
        need(r.returncode == 0, f"restart of {copy}: {r.stderr}")
        with h5py.File(a, "r") as fa, h5py.File(c, "r") as fc:
            for k in ("timeseries/time_days", "timeseries/blood/neutrophils", "timeseries/population/LT_HSC"):
                need(np.array_equal(fa[k][()], fc[k][()]), f"restart of {copy}: {k} differs from A")
        print(f"  restart of {copy}: history and continuation identical to A")


def test_input_crashes(tmp):
    """Inputs that used to crash: a 50,000-part dotted key (file and --set) and a labels_file
    that is a directory or a device give exit 2 and one message."""
    deep = os.path.join(tmp, "deep.toml")
    with open(deep, "w") as f:
        f.write("run." + ".".join(["a"] * 50000) + " = 1\n")
    refused(marrow("validate", deep), "50,000-part key in a file", "deep.toml")
    refused(marrow("validate", "--set", "run." + ".".join(["a"] * 50000) + "=1"), "50,000-part --set")
    header = os.path.join(tmp, "header.toml")
    with open(header, "w") as f:
        f.write("[" + ".".join(["t"] * 50000) + "]\nx = 1\n")
    refused(marrow("validate", header), "50,000-part table header", "header.toml")
    labdir = os.path.join(tmp, "labdir")
    os.mkdir(labdir)
    for path, label in ((labdir, "directory"), ("/dev/zero", "device")):
        sc = os.path.join(tmp, f"lab_{label}.toml")
        with open(sc, "w") as f:
            f.write(f'[geometry]\nlabels_file = "{path}"\nlabels_dims = [768, 768]\n'
                    'labels = { marrow = 0, bone = 1, sinusoid = 2, arteriole = 3 }\n')
        for cmd in ("validate", "run"):
            args = [cmd, sc] + (["--quiet", "--out", os.path.join(tmp, "lab.h5")] if cmd == "run" else [])
            refused(marrow(*args, timeout=60), f"labels_file a {label} ({cmd})", "labels_file")


def test_sigint_in_spin_up(tmp):
    """SIGINT during the spin-up ends the run within 3 s with the documented interrupted file;
    its restart continues the spin-up to the same result as an uninterrupted run. SIGINT over an
    existing complete file keeps that file and writes beside it."""
    # A scenario with treatment: the restored spin-up must not see the conditioning's stroma.
    # The spin-up lasts a few seconds, so that the signal 1.5 s after the run starts writing
    # falls inside it on a machine several times faster than one where it takes 5 s.
    pbsc = os.path.join(ARGS.source, "examples", "transplant_pbsc.toml")
    spin = [pbsc, "--quiet", "--threads", "1", "--seed", "4", "--set", "run.spin_up_days=120", "--days", "4"]
    full, part, cont = (os.path.join(tmp, n) for n in ("full.h5", "part.h5", "cont.h5"))
    need(marrow("run", *spin, "--out", full).returncode == 0, "the uninterrupted run failed")
    p = subprocess.Popen([ARGS.marrow, "run", *spin, "--out", part], stderr=subprocess.PIPE, text=True)
    wait_for(lambda: partials(part), 120, "the run's temporary file")
    time.sleep(1.5)
    t = time.time()
    p.send_signal(signal.SIGINT)
    rc = p.wait(timeout=60)
    took = time.time() - t
    msg = p.stderr.read().strip()
    print(f"  SIGINT in the spin-up: exit {rc} after {took:.2f} s: {msg}")
    need(rc == 128 + signal.SIGINT, f"exit {rc}")
    need(took <= 3, f"took {took:.1f} s to stop")
    with h5py.File(part, "r") as f:
        pa = f["provenance"].attrs
        need(int(pa["complete"]) == 0 and pa["interrupted"] == "SIGINT", "not marked interrupted")
        snaps = sorted(f["snapshots"])
        need(len(snaps) == 1 and "spin_up_steps_done" in f["snapshots"][snaps[0]].attrs,
             "no spin-up snapshot")
        need(len(f["timeseries/time_days"]) == 0, "recorded time during the spin-up")
    r = marrow("run", "--quiet", "--threads", "1", "--restart", part, "--out", cont)
    need(r.returncode == 0, f"restart of the spin-up: {r.stderr}")
    with h5py.File(full, "r") as fa, h5py.File(cont, "r") as fc:
        for k in fa["timeseries/population"]:
            need(np.array_equal(fa["timeseries/population"][k][()], fc["timeseries/population"][k][()]),
                 f"continued spin-up differs in {k}")
        for k in fa["timeseries/blood"]:
            need(np.array_equal(fa["timeseries/blood"][k][()], fc["timeseries/blood"][k][()]),
                 f"continued spin-up differs in blood {k}")
    print("  the restarted spin-up gives the uninterrupted run's timeseries exactly")
    # Over an existing complete file: kept, the interrupted state goes beside it.
    keep = os.path.join(tmp, "keep.h5")
    need(marrow("run", *QUICK, "--days", "2", "--out", keep).returncode == 0, "first run")
    before = md5(keep)
    p = subprocess.Popen([ARGS.marrow, "run", *QUICK, "--days", "400", "--out", keep],
                         stderr=subprocess.PIPE, text=True)
    wait_for(lambda: partials(keep), 120, "the run's temporary file")
    time.sleep(2)
    p.send_signal(signal.SIGINT)
    rc = p.wait(timeout=60)
    msg = p.stderr.read().strip()
    print(f"  SIGINT over a complete file: exit {rc}: {msg}")
    need(md5(keep) == before, "the complete file was replaced")
    beside = os.path.join(tmp, "keep.interrupted.h5")
    need(os.path.exists(beside) and "keep.interrupted.h5" in msg, "the interrupted state is not beside it")
    with h5py.File(beside, "r") as f:
        need(int(f["provenance"].attrs["complete"]) == 0, "the interrupted file claims completeness")


def test_strict_options(tmp):
    """NaN, infinite, overflowing, out-of-range and malformed option values: exit 2, one line
    naming the option and a short range."""
    out = os.path.join(tmp, "o.h5")
    for opt, value in (("--days", "nan"), ("--days", "inf"), ("--days", "1e300"), ("--days", "-1"),
                       ("--days", "5x"), ("--snapshot-every", "nan"), ("--seed", "18446744073709551616"),
                       ("--seed", "-3"), ("--seed", "1.5")):
        r = marrow("run", *QUICK, opt, value, "--out", out)
        print(f"  {opt} {value}: exit {r.returncode}: {r.stderr.strip().splitlines()[0] if r.stderr else ''}")
        need(r.returncode == 2, f"{opt} {value}: exit {r.returncode}")
        first = r.stderr.strip().splitlines()[0]
        need(opt in first and len(first) < 120, f"{opt} {value}: message {first!r}")
        need(not os.path.exists(out), f"{opt} {value}: output written")
    # Different seeds near the top of the range stay different runs.
    a, b = os.path.join(tmp, "a.h5"), os.path.join(tmp, "b.h5")
    for path, seed in ((a, 2**63 - 1), (b, 2**63 - 2)):
        r = marrow("run", *QUICK, "--days", "2", "--seed", seed, "--out", path)
        need(r.returncode == 0, r.stderr)
    with h5py.File(a, "r") as fa, h5py.File(b, "r") as fb:
        need(int(fa["provenance"].attrs["seed"]) == 2**63 - 1, "seed not kept exactly")
        need(not np.array_equal(fa["timeseries/agents"][()], fb["timeseries/agents"][()]),
             "two seeds gave identical runs")


def test_messages(tmp):
    """One line, the path once, the reason: a missing restart file, a directory as restart or
    inspect file, a file that is not HDF5."""
    missing = os.path.join(tmp, "nothere.h5")
    r = marrow("run", "--quiet", "--restart", missing)
    refused(r, "missing restart file", "no such file")
    need(r.stderr.count("nothere.h5") == 1, "the path is printed more than once")
    r = marrow("inspect", tmp)
    refused(r, "a directory to inspect", "directory")
    text = os.path.join(tmp, "t.h5")
    with open(text, "w") as f:
        f.write("not hdf5\n")
    r = marrow("inspect", text)
    refused(r, "a text file to inspect", "not an HDF5 file")
    need(r.stderr.count("t.h5") == 1, "the path is printed more than once")


if __name__ == "__main__":
    run_named(globals())
