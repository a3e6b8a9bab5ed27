#!/usr/bin/python3
"""Plots the donor fraction of the agents of each lineage over time.

    /usr/bin/python3 tools/plot_chimerism.py RUN.h5 [--lineages stem,myeloid] [--out RUN_chimerism.png]

The simulator writes 0 for a lineage without agents at that time.
"""
import argparse
import os

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

import marrow_analysis as ma  # noqa: E402


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("run", help="a marrow output file")
    p.add_argument("--lineages", help="comma-separated lineages (default: all)")
    p.add_argument("--out", help="PNG to write (default: RUN_chimerism.png next to the run)")
    a = p.parse_args()
    try:
        run = ma.load_run(a.run)
    except (ValueError, OSError) as e:
        p.error(str(e))
    if not run.chimerism:
        p.error(f"{a.run}: no chimerism series")
    lineages = a.lineages.split(",") if a.lineages else sorted(run.chimerism)
    unknown = sorted(set(lineages) - set(run.chimerism))
    if unknown:
        p.error(f"{a.run}: no lineage {', '.join(unknown)} (has {', '.join(sorted(run.chimerism))})")
    out = a.out or ma.default_png(a.run, "_chimerism")
    fig, ax = plt.subplots(figsize=(10, 5), constrained_layout=True)
    for k in lineages:
        ax.plot(run.time, run.chimerism[k], lw=1.4, label=k)
    ax.set_ylim(-0.02, 1.02)
    ax.set_xlabel("day")
    ax.set_ylabel("donor fraction of the lineage's agents")
    ax.grid(True, alpha=0.3)
    ax.legend(fontsize=8, loc="center left", bbox_to_anchor=(1.01, 0.5))
    donor = any(run.chimerism[k].max() > 0 for k in lineages)
    ax.set_title(f"{os.path.basename(run.path)}: donor chimerism by lineage"
                 + ("" if donor else " (no donor cells in this run)"))
    fig.savefig(out, dpi=90)
    print(out)


if __name__ == "__main__":
    main()
