#!/usr/bin/python3
"""Plots the clone-size distribution (agents per clone id) at one snapshot of a run.

    /usr/bin/python3 tools/plot_clones.py RUN.h5 [--snapshot NAME_OR_INDEX] [--types LT_HSC]
        [--out RUN_clones.png]

Left: rank-size (the size of the k-th largest clone against k); right: how many clones have a
size in each logarithmic bin. Both log-log. The snapshot defaults to the last one (-1); the run
needs one, so make it with `marrow run ... --snapshot-every DAYS` or use the final snapshot.
"""
import argparse
import os

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
from matplotlib.ticker import LogFormatter  # noqa: E402
import numpy as np  # noqa: E402

import marrow_analysis as ma  # noqa: E402


def snapshot_arg(s):
    """A snapshot name (six digits, as stored) or else an index into the snapshots."""
    return s if len(s) == 6 and s.isdigit() else int(s)


def plain_log_labels(ax):
    """Log-axis tick labels as plain numbers (5, 20, 1000) rather than 5x10^0, on the same ticks."""
    for axis in (ax.xaxis, ax.yaxis):
        axis.set_major_formatter(LogFormatter())
        axis.set_minor_formatter(LogFormatter(labelOnlyBase=False))


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("run", help="a marrow output file with at least one snapshot")
    p.add_argument("--snapshot", type=snapshot_arg, default=-1,
                   help="snapshot name (6 digits, e.g. 000002) or index (-1, the last, by default)")
    p.add_argument("--types", help="comma-separated cell types to count (default: all agents)")
    p.add_argument("--out", help="PNG to write (default: RUN_clones.png next to the run)")
    a = p.parse_args()
    types = a.types.split(",") if a.types else None
    try:
        snap = ma.load_snapshot(a.run, a.snapshot)
        sizes = ma.clone_sizes(snap, types)["size"]
    except (ValueError, OSError) as e:
        p.error(str(e))
    if len(sizes) == 0:
        p.error(f"{a.run}: no agents of {', '.join(types)} at snapshot {snap.name}")
    out = a.out or ma.default_png(a.run, "_clones")
    fig, (rank, hist) = plt.subplots(1, 2, figsize=(12, 5), constrained_layout=True)
    rank.loglog(np.arange(1, len(sizes) + 1), sizes, marker=".", ms=3, lw=0.8)
    rank.set_xlabel("clone rank (1 = largest)")
    rank.set_ylabel("agents in the clone")
    rank.set_title("rank-size")
    edges = np.unique(np.round(np.geomspace(1, sizes.max() + 1, 30)))
    counts, _ = np.histogram(sizes, bins=edges)
    hist.bar(edges[:-1], counts, width=np.diff(edges), align="edge", edgecolor="white", lw=0.5)
    hist.set_xscale("log")
    hist.set_yscale("log")
    hist.set_xlabel("clone size (agents)")
    hist.set_ylabel("clones")
    hist.set_title("size distribution (logarithmic bins)")
    for ax in (rank, hist):
        ax.grid(True, which="major", alpha=0.3)
        plain_log_labels(ax)
    what = ", ".join(types) if types else "all agents"
    fig.suptitle(f"{os.path.basename(a.run)}, day {snap.time_days:g} (snapshot {snap.name}): "
                 f"{len(sizes)} clones, {sizes.sum()} agents ({what}), largest {sizes[0]}")
    fig.savefig(out, dpi=90)
    print(out)


if __name__ == "__main__":
    main()
