#!/usr/bin/python3
"""Plots the metrics of a `marrow sweep` folder against a varied parameter.

    /usr/bin/python3 tools/plot_sweep.py SWEEP_DIR [--metric final_neutrophils]... [--x KEY]
        [--logx] [--out SWEEP_DIR/sweep.png]

One panel per metric (an endpoint such as neutrophil_engraftment_day or nadir_platelets, or a
final blood count final_<POOL>; default: final neutrophils, lymphocytes, platelets and
hemoglobin). At each grid point: the median over the replicates (dot), the interquartile range
(thick bar) and the 95 % interval (thin bar with caps). With several varied keys, --x picks the
horizontal axis (default: the first --vary key) and each combination of the others is a series.
Normal ranges of the preset are shaded behind final blood counts; replicates that never reached
an endpoint are counted above their point ("2/10 n.r.").
"""
import argparse
import itertools
import os

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import matplotlib.transforms as mtransforms  # noqa: E402
import numpy as np  # noqa: E402

import marrow_analysis as ma  # noqa: E402

DEFAULT_METRICS = ["final_neutrophils", "final_lymphocytes", "final_platelets", "final_hemoglobin"]


def ranges_of(sweep):
    """The normal ranges of the sweep's first readable run ({} when none is)."""
    for path in sweep.runs["path"]:
        try:
            return ma.load_run(path).normal_ranges()
        except (ValueError, OSError):
            continue
    return {}


def series(sweep, x):
    """[(label, point indices)] grouping the points by the values of the varied keys other than x."""
    others = [k for k in sweep.varied if k != x]
    n = len(sweep.completed)
    if not others:
        return [("", np.arange(n))]
    keys = [tuple(str(sweep.points[k][i]) for k in others) for i in range(n)]
    out = []
    for combo in dict.fromkeys(keys):  # first-seen order
        label = ", ".join(f"{k}={v}" for k, v in zip(others, combo))
        out.append((label, np.array([i for i in range(n) if keys[i] == combo])))
    return out


def draw(ax, sweep, metric, x, ranges, logx):
    q = sweep.metric(metric)
    xv = sweep.points[x]
    if xv.dtype.kind == "f":
        pos = xv
        ticks = np.unique(pos)
        if logx:
            ax.set_xscale("log")
            ax.set_xlim(ticks[0] / 1.3, ticks[-1] * 1.3)
        else:
            pad = 0.06 * (ticks[-1] - ticks[0]) or 0.5
            ax.set_xlim(ticks[0] - pad, ticks[-1] + pad)
        if len(ticks) <= 10:  # label the values that were run
            ax.set_xticks(ticks, [f"{t:g}" for t in ticks])
            ax.minorticks_off()
    else:
        categories = list(dict.fromkeys(xv))
        pos = np.array([categories.index(v) for v in xv], dtype=float)
        ax.set_xticks(range(len(categories)), categories)
        ax.set_xlim(-0.5, len(categories) - 0.5)
    pool = metric[len("final_"):] if metric.startswith("final_") else None
    if pool in ranges:
        ax.axhspan(*ranges[pool], color="tab:green", alpha=0.12, label="normal range")
    top = mtransforms.blended_transform_factory(ax.transData, ax.transAxes)
    colours = itertools.cycle(plt.rcParams["axes.prop_cycle"].by_key()["color"])
    for (label, idx), colour in zip(series(sweep, x), colours):
        idx = idx[np.argsort(pos[idx], kind="stable")]
        ok = idx[np.isfinite(q["median"][idx])]  # NaN: no replicate reached the endpoint
        px, med = pos[ok], q["median"][ok]
        ax.errorbar(px, med, yerr=[med - q["lo95"][ok], q["hi95"][ok] - med], fmt="none",
                    ecolor=colour, elinewidth=1, capsize=4)
        ax.vlines(px, q["q25"][ok], q["q75"][ok], colors=colour, lw=6, alpha=0.45)
        ax.plot(px, med, "o-", color=colour, ms=5, lw=1, label=label or None)
        for xi, i in zip(pos[idx], idx):
            if q["not_reached"][i]:
                ax.text(xi, 0.97, f"{q['not_reached'][i]}/{sweep.completed[i]} n.r.",
                        transform=top, ha="center", va="top", fontsize=7, color=colour)
    if not np.isfinite(q["median"]).any():
        ax.text(0.5, 0.5, "not reached in any run", transform=ax.transAxes, ha="center")
        ax.set_yticks([])
    ax.set_title(metric)
    ax.set_xlabel(x)
    ax.set_ylabel(ma.metric_unit(metric))
    ax.grid(True, alpha=0.3)
    if ax.get_legend_handles_labels()[0]:
        ax.legend(fontsize=7, loc="best")


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("sweep", help="a marrow sweep output folder (summary.csv, summary.h5, runs.csv)")
    p.add_argument("--metric", action="append", help="a metric to plot (repeat for several)")
    p.add_argument("--x", help="the varied key on the horizontal axis (default: the first)")
    p.add_argument("--logx", action="store_true", help="logarithmic horizontal axis")
    p.add_argument("--out", help="PNG to write (default: SWEEP_DIR/sweep.png)")
    a = p.parse_args()
    try:
        sweep = ma.load_sweep(a.sweep)
    except (ValueError, OSError) as e:
        p.error(str(e))
    if not sweep.varied:
        p.error(f"{a.sweep}: nothing was varied")
    x = a.x or sweep.varied[0]
    if x not in sweep.varied:
        p.error(f"{a.sweep}: {x} was not varied (varied: {', '.join(sweep.varied)})")
    if not sweep.metrics:
        p.error(f"{a.sweep}: no run completed ({int(sweep.failed.sum())} failed)")
    metrics = a.metric or [m for m in DEFAULT_METRICS if m in sweep.metrics]
    missing = [m for m in metrics if m not in sweep.metrics]
    if missing or not metrics:
        p.error(f"{a.sweep}: no metric {', '.join(missing) or 'to plot'} (has {', '.join(sorted(sweep.metrics))})")
    if a.logx and (sweep.points[x].dtype.kind != "f" or (sweep.points[x] <= 0).any()):
        p.error(f"--logx needs positive numbers, {x} has {', '.join(map(str, sweep.points[x]))}")
    out = a.out or os.path.join(a.sweep, "sweep.png")
    ranges = ranges_of(sweep)
    cols = min(len(metrics), 3)
    rows = -(-len(metrics) // cols)
    fig, axes = plt.subplots(rows, cols, figsize=(5.5 * cols, 4.2 * rows), constrained_layout=True,
                             squeeze=False)
    for ax, m in zip(axes.flat, metrics):
        draw(ax, sweep, m, x, ranges, a.logx)
    for ax in list(axes.flat)[len(metrics):]:
        ax.axis("off")
    replicates = len(np.unique(sweep.runs["replicate"]))
    failed = int(sweep.failed.sum())
    fig.suptitle(f"{os.path.basename(os.path.abspath(a.sweep))}: {len(sweep.completed)} points x "
                 f"{replicates} replicates; median, IQR, 95 % interval"
                 + (f"; {failed} runs FAILED" if failed else ""))
    fig.savefig(out, dpi=90)
    print(out)


if __name__ == "__main__":
    main()
