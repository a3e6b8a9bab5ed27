#!/usr/bin/python3
"""Draws a 2D slice of a snapshot: bone, vessels, niche sites, cells coloured by type, and a
signal field as contours.

    /usr/bin/python3 tools/plot_snapshot.py RUN.h5 [--snapshot -1] [--z SLICE] [--field CXCL12]
        [--window X0,Y0,SIZE] [--out RUN_snapshot.png]
"""
import argparse
import os
import sys

import h5py
import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
from matplotlib.colors import ListedColormap  # noqa: E402

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import marrow_analysis as ma  # noqa: E402

# site kinds: marrow, bone, sinusoid, arteriole; niche sites drawn over marrow
KIND_COLOURS = ["#ffffff", "#b8b0a0", "#d9534f", "#8b1a1a"]
NICHE_COLOUR = "#fde9b0"


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("run")
    p.add_argument("--snapshot", default="-1", help="snapshot name (000001) or index (default -1, the last)")
    p.add_argument("--z", type=int, help="z slice (default the middle)")
    p.add_argument("--field", default="CXCL12", help="field drawn as contours ('' for none)")
    p.add_argument("--window", help="X0,Y0,SIZE: draw only this square of the slice")
    p.add_argument("--out")
    a = p.parse_args()
    try:
        snap = ma.load_snapshot(a.run, int(a.snapshot) if a.snapshot.lstrip("-").isdigit() else a.snapshot)
    except (ValueError, FileNotFoundError) as e:
        print(f"plot_snapshot: {e}", file=sys.stderr)
        sys.exit(2)
    nz, ny, nx = snap.site_kind.shape
    z = nz // 2 if a.z is None else a.z
    if not 0 <= z < nz:
        print(f"plot_snapshot: --z {z} outside 0..{nz - 1}", file=sys.stderr)
        sys.exit(2)
    x0, y0, size = (0, 0, max(nx, ny)) if not a.window else map(int, a.window.split(","))
    x1, y1 = min(nx, x0 + size), min(ny, y0 + size)
    kind = snap.site_kind[z, y0:y1, x0:x1].astype(int)
    niche = snap.niche[z, y0:y1, x0:x1]
    rgb = ListedColormap(KIND_COLOURS + [NICHE_COLOUR])
    img = np.where((kind == 0) & (niche > 0), 4, kind)
    fig, ax = plt.subplots(figsize=(9, 8), constrained_layout=True)
    ax.imshow(img, cmap=rgb, vmin=0, vmax=4, origin="lower", extent=(x0 - 0.5, x1 - 0.5, y0 - 0.5, y1 - 0.5),
              interpolation="nearest")
    ag = snap.agents
    sel = (ag["z"] == z) & (ag["x"] >= x0) & (ag["x"] < x1) & (ag["y"] >= y0) & (ag["y"] < y1)
    cmap = plt.get_cmap("tab20")
    for t, name in enumerate(snap.type_names):
        m = sel & (ag["type"] == t)
        if m.any():
            ax.scatter(ag["x"][m], ag["y"][m], s=max(0.5, 2000.0 / size), color=cmap(t % 20), label=f"{name} ({m.sum()})",
                       linewidths=0)
    if a.field:
        with h5py.File(a.run, "r") as f:
            path = f"snapshots/{snap.name}/fields/{a.field}"
            if path not in f:
                print(f"plot_snapshot: {a.run}: no field {a.field} in snapshot {snap.name}", file=sys.stderr)
                sys.exit(2)
            c = f[path][z, y0:y1, x0:x1]
        if c.max() > 0:
            levels = np.geomspace(max(c.max() * 1e-3, 1e-12), c.max(), 6)
            cs = ax.contour(np.arange(x0, x1), np.arange(y0, y1), c, levels=levels, colors="#1f4e9c",
                            linewidths=0.6)
            ax.clabel(cs, fmt="%.2g", fontsize=6)
    ax.set_xlim(x0 - 0.5, x1 - 0.5)
    ax.set_ylim(y0 - 0.5, y1 - 0.5)
    ax.set_aspect("equal")
    ax.set_xlabel("x (sites)")
    ax.set_ylabel("y (sites)")
    ax.set_title(f"{os.path.basename(a.run)} snapshot {snap.name}, day {snap.time_days:g}, z = {z}"
                 + (f", {a.field} contours" if a.field else ""))
    ax.legend(loc="upper right", fontsize=7, markerscale=4, framealpha=0.8)
    out = a.out or os.path.splitext(a.run)[0] + "_snapshot.png"
    fig.savefig(out, dpi=110)
    print(out)


if __name__ == "__main__":
    main()
