#!/usr/bin/python3
"""Plots a marrow run: blood counts with their normal ranges, and populations by type.

    /usr/bin/python3 tools/plot_run.py RUN.h5 [--out RUN.png]
"""
import argparse
import os

import h5py
import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

# Normal adult ranges (VALIDATION.md): human; mouse from the same table.
RANGES = {
    "human": {"neutrophils": (1.5, 7.5), "lymphocytes": (1.0, 4.0), "platelets": (150, 400),
              "hemoglobin": (12, 17.5), "rbc": (3.8, 5.9)},
    "mouse": {"neutrophils": (0.5, 1.5), "lymphocytes": (4.5, 6.0), "rbc": (9, 10)},
}
UNITS = {"neutrophils": "1e9/L", "lymphocytes": "1e9/L", "monocytes": "1e9/L", "platelets": "1e9/L",
         "rbc": "1e12/L", "hemoglobin": "g/dL"}


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("run")
    p.add_argument("--out")
    a = p.parse_args()
    out = a.out or os.path.splitext(a.run)[0] + ".png"
    with h5py.File(a.run, "r") as f:
        t = f["timeseries/time_days"][()]
        preset = f["parameters"].attrs.get("preset", "human")
        ranges = RANGES.get(preset, {})
        blood = {k: f["timeseries/blood"][k][()] for k in f["timeseries/blood"]}
        pops = {k: f["timeseries/population"][k][()] for k in f["timeseries/population"]}
        ep = dict(f["endpoints"].attrs) if "endpoints" in f else {}
    names = [n for n in ["neutrophils", "lymphocytes", "monocytes", "platelets", "hemoglobin", "rbc"] if n in blood]
    fig, axes = plt.subplots(2, 4, figsize=(16, 7), constrained_layout=True)
    for ax, n in zip(axes.flat, names):
        ax.plot(t, blood[n], lw=1.2)
        if n in ranges:
            ax.axhspan(*ranges[n], color="tab:green", alpha=0.12, label="normal range")
        day = ep.get("neutrophil_engraftment_day" if n == "neutrophils" else
                     "platelet_engraftment_day" if n == "platelets" else "", np.nan)
        if np.isfinite(day):
            ax.axvline(day, color="tab:red", ls="--", label=f"engraftment day {day:g}")
        ax.set_title(f"{n} ({UNITS.get(n, '')})")
        ax.set_xlabel("day")
        ax.set_ylim(bottom=0)
        if ax.get_legend_handles_labels()[0]:
            ax.legend(fontsize=8)
    ax = axes.flat[len(names)]
    for k in sorted(pops, key=lambda k: -pops[k].max()):
        ax.semilogy(t, np.maximum(pops[k], 1), lw=1, label=k)
    ax.set_title("agents by type")
    ax.set_xlabel("day")
    ax.legend(fontsize=7, ncol=2)
    for ax in list(axes.flat)[len(names) + 1:]:
        ax.axis("off")
    fig.suptitle(os.path.basename(a.run))
    fig.savefig(out, dpi=90)
    print(out)


if __name__ == "__main__":
    main()
