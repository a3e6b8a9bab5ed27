#!/usr/bin/python3
"""Plots a marrow run: blood counts with their normal ranges, agents by type and the niche.

    /usr/bin/python3 tools/plot_run.py RUN.h5 [--out RUN.png]

Normal adult ranges of the run's preset are shaded; a neutrophil or platelet engraftment day
(when reached) is marked with its threshold. An interrupted run says so in the title.
"""
import argparse
import os

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

import marrow_analysis as ma  # noqa: E402
import plot_populations  # noqa: E402

BLOOD = ["neutrophils", "lymphocytes", "monocytes", "platelets", "hemoglobin", "rbc"]


def blood_panel(ax, run, pool):
    ax.plot(run.time, run.blood[pool], lw=1.2, color="tab:blue")
    if pool in run.normal_ranges():
        ax.axhspan(*run.normal_ranges()[pool], color="tab:green", alpha=0.12, label="normal range")
    if pool in ma.ENGRAFTMENT:
        endpoint, threshold = ma.ENGRAFTMENT[pool]
        day = run.endpoints.get(endpoint, np.nan)
        if np.isfinite(day):
            ax.axvline(day, color="tab:red", ls="--", label=f"engraftment day {day:g}")
            ax.axhline(threshold, color="tab:red", ls=":", lw=0.8, label=f"threshold {threshold:g}")
    ax.set_title(f"{pool} ({ma.UNITS.get(pool, '')})")
    ax.set_xlabel("day")
    ax.set_ylim(bottom=0)
    if ax.get_legend_handles_labels()[0]:
        ax.legend(fontsize=8, loc="best")


def populations_panel(ax, run):
    low = plot_populations.draw(ax, run)
    if np.isfinite(low):
        ax.set_ylim(bottom=low / 30)  # room below the lowest line for the legend
    ax.set_title("agents by type")
    ax.legend(fontsize=6, ncol=4, loc="lower center")


def niche_panels(ax, run):
    """Replaces `ax` by two panels: occupied niches above, HSCs in a niche below."""
    top, bottom = ax.get_subplotspec().subgridspec(2, 1).subplots(sharex=True)
    ax.remove()
    top.plot(run.time, run.niche["occupied_niches"], color="tab:purple", lw=1.2)
    top.set_ylim(0, 1.15 * max(run.niche["occupied_niches"].max(), 1))
    top.set_title("occupied stem-cell niches")
    bottom.plot(run.time, run.niche["hsc_in_niche_fraction"], color="tab:orange", lw=1.2)
    bottom.set_ylim(0, 1.05)
    bottom.set_title("fraction of HSCs in a niche")
    bottom.set_xlabel("day")


def title(run):
    p = run.provenance
    state = "complete" if run.complete else f"INCOMPLETE ({p.get('interrupted', 'not finished')})"
    return (f"{os.path.basename(run.path)}: {run.preset}, seed {p.get('seed')}, "
            f"day {run.time[0]:g} to {run.time[-1]:g}, {state}")


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("run", help="a marrow output file")
    p.add_argument("--out", help="PNG to write (default: RUN.png next to the run)")
    a = p.parse_args()
    try:
        run = ma.load_run(a.run)
    except (ValueError, OSError) as e:
        p.error(str(e))
    out = a.out or ma.default_png(a.run)
    pools = [n for n in BLOOD if n in run.blood]
    fig, axes = plt.subplots(2, 4, figsize=(16, 7), constrained_layout=True)
    for ax, pool in zip(axes.flat, pools):
        blood_panel(ax, run, pool)
    rest = list(axes.flat)[len(pools):]  # at least two: BLOOD has six pools
    populations_panel(rest.pop(0), run)
    if run.niche:
        niche_panels(rest.pop(0), run)
    for ax in rest:
        ax.axis("off")
    fig.suptitle(title(run))
    fig.savefig(out, dpi=90)
    print(out)


if __name__ == "__main__":
    main()
