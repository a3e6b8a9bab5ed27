#!/usr/bin/python3
"""Plots a marrow run: blood counts with their normal ranges, agents by type, the niche, the
hormone levels of the systemic feedback and the cycling fraction of each type.

    /usr/bin/python3 tools/plot_run.py RUN.h5 [--out RUN.png]

Normal adult ranges of the run's preset are shaded; a neutrophil or platelet engraftment day
(when reached) is marked with its threshold. An interrupted run says so in the title.
"""
import argparse
import os

import h5py
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


def read_group(path, group):
    """/timeseries/<group> as {name: array}; {} when the file has no such group."""
    with h5py.File(path, "r") as f:
        g = f.get(f"timeseries/{group}")
        return {} if g is None else {k: g[k][()] for k in g}


def hormone_panel(ax, run, series):
    """Each hormone's relative level (solid) and production multiplier (dashed), log scale."""
    levels = sorted(k for k in series if not k.endswith("_multiplier"))
    for i, name in enumerate(levels):
        colour = f"C{i}"
        ax.plot(run.time, series[name], color=colour, lw=1.2, label=f"{name} level")
        if name + "_multiplier" in series:
            ax.plot(run.time, series[name + "_multiplier"], color=colour, lw=1.0, ls="--",
                    label=f"{name} multiplier")
    ax.axhline(1.0, color="grey", lw=0.6, ls=":")
    values = np.concatenate([series[k] for k in series])
    values = values[np.isfinite(values) & (values > 0)]
    if values.size and values.max() / values.min() > 3:  # a log scale for a wide range only
        ax.set_yscale("log")
    ax.set_title("hormones (1: set point)")
    ax.set_xlabel("day")
    ax.legend(fontsize=6, ncol=2, loc="best")


def cycling_panel(ax, run, series):
    """The fraction of each type's agents that are cycling (not quiescent)."""
    for name in run.populations:
        if name in series:
            ax.plot(run.time, series[name], lw=1.0, label=name)
    ax.set_ylim(0, 1.05)
    ax.set_title("cycling fraction by type")
    ax.set_xlabel("day")
    ax.legend(fontsize=6, ncol=3, loc="center right")


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
    try:
        cytokines, cycling = read_group(a.run, "cytokines"), read_group(a.run, "cycling")
    except OSError as e:
        p.error(str(e))
    pools = [n for n in BLOOD if n in run.blood]
    fig, axes = plt.subplots(2, 5, figsize=(20, 7), constrained_layout=True)
    for ax, pool in zip(axes.flat, pools):
        blood_panel(ax, run, pool)
    rest = list(axes.flat)[len(pools):]  # at least four: BLOOD has six pools
    populations_panel(rest.pop(0), run)
    if run.niche:
        niche_panels(rest.pop(0), run)
    if cytokines:
        hormone_panel(rest.pop(0), run, cytokines)
    if cycling:
        cycling_panel(rest.pop(0), run, cycling)
    for ax in rest:
        ax.axis("off")
    fig.suptitle(title(run))
    fig.savefig(out, dpi=90)
    print(out)


if __name__ == "__main__":
    main()
