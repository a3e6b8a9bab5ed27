#!/usr/bin/python3
"""Plots the agents of each cell type over time (log scale) and their total.

    /usr/bin/python3 tools/plot_populations.py RUN.h5 [--types LT_HSC,ST_HSC] [--out RUN_populations.png]

A type with no agents at some time shows a gap there (zero has no place on a log axis).
"""
import argparse
import os

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

import marrow_analysis as ma  # noqa: E402


def draw(ax, run, types=None):
    """Draws agents per type (largest first) on a log axis; returns the lowest positive count."""
    types = types or sorted(run.populations, key=lambda k: -run.populations[k].max())
    ax.set_prop_cycle(color=plt.cm.tab20.colors[0::2] + plt.cm.tab20.colors[1::2])  # 10 strong, 10 pale
    low = np.inf
    for k in types:
        n = run.populations[k].astype(float)
        ax.semilogy(run.time, np.where(n > 0, n, np.nan), lw=1, label=k)
        if (n > 0).any():
            low = min(low, n[n > 0].min())
    ax.set_xlabel("day")
    ax.set_ylabel("agents on the lattice")
    return low


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("run", help="a marrow output file")
    p.add_argument("--types", help="comma-separated cell types (default: all)")
    p.add_argument("--out", help="PNG to write (default: RUN_populations.png next to the run)")
    a = p.parse_args()
    try:
        run = ma.load_run(a.run)
    except (ValueError, OSError) as e:
        p.error(str(e))
    types = a.types.split(",") if a.types else None
    unknown = sorted(set(types or []) - set(run.populations))
    if unknown:
        p.error(f"{a.run}: no cell type {', '.join(unknown)} (has {', '.join(sorted(run.populations))})")
    out = a.out or ma.default_png(a.run, "_populations")
    fig, ax = plt.subplots(figsize=(10, 6), constrained_layout=True)
    draw(ax, run, types)
    if types is None:
        ax.semilogy(run.time, run.agents, color="black", ls="--", lw=1.2, label="all agents")
    ax.legend(fontsize=8, loc="center left", bbox_to_anchor=(1.01, 0.5))
    ax.grid(True, which="major", alpha=0.3)
    ax.set_title(f"{os.path.basename(run.path)}: agents by type ({run.preset}, "
                 f"{run.represented_fraction:.3g} of the marrow)")
    fig.savefig(out, dpi=90)
    print(out)


if __name__ == "__main__":
    main()
