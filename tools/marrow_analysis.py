"""Reading marrow output (schema version 1, README "Output") into numpy arrays.

    import sys; sys.path.insert(0, "tools")
    import marrow_analysis as ma
    run = ma.load_run("marrow_run.h5")
    run.time, run.blood["neutrophils"], run.endpoints["neutrophil_engraftment_day"]
    snap = ma.load_snapshot("marrow_run.h5", -1)        # the last snapshot
    sizes = ma.clone_sizes(snap, types=["LT_HSC"])
    sweep = ma.load_sweep("sweep_dir")

Everything returned is plain numpy arrays, dicts of them and Python scalars; pandas is not
needed, but the tables (`Run.table()`, `clone_sizes`, `Sweep.table()`, `Sweep.runs`) are dicts
of equal-length columns that `pandas.DataFrame(...)` takes as they are. A file that is not
marrow output raises ValueError naming the file. Needs h5py and numpy (Debian's python3-h5py,
run with /usr/bin/python3) and Python 3.11 (tomllib).
"""
import csv
import os
import tomllib
from contextlib import contextmanager
from dataclasses import dataclass
from typing import NamedTuple

import h5py
import numpy as np

SCHEMA_VERSION = 1

UNITS = {"neutrophils": "1e9/L", "lymphocytes": "1e9/L", "monocytes": "1e9/L", "platelets": "1e9/L",
         "rbc": "1e12/L", "hemoglobin": "g/dL"}
# Engraftment: the endpoint attribute and the blood threshold it uses (README, endpoints).
ENGRAFTMENT = {"neutrophils": ("neutrophil_engraftment_day", 0.5),
               "platelets": ("platelet_engraftment_day", 20.0)}


def _scalar(v):
    """An HDF5 attribute value as a Python value (numpy scalars and 0-d arrays unwrapped)."""
    return v.item() if isinstance(v, (np.generic, np.ndarray)) and np.ndim(v) == 0 else v


def _names(v):
    return [str(s) for s in v]


@contextmanager
def _open_run(path):
    """Opens a marrow run file, or raises ValueError naming it when it is not one."""
    path = os.fspath(path)
    if not os.path.exists(path):
        raise FileNotFoundError(f"{path}: no such file")
    if not h5py.is_hdf5(path):
        raise ValueError(f"{path}: not an HDF5 file, so not marrow output")
    with h5py.File(path, "r") as f:
        version = f.attrs.get("schema_version")
        if version is None:
            raise ValueError(f"{path}: no /schema_version attribute: not marrow output")
        if int(version) < SCHEMA_VERSION:
            raise ValueError(f"{path}: schema version {int(version)}, this module reads {SCHEMA_VERSION}")
        for need in ["provenance", "parameters", "timeseries/time_days", "timeseries/agents",
                     "timeseries/population", "timeseries/blood"]:
            if need not in f:
                raise ValueError(f"{path}: lacks /{need}: not marrow output")
        yield f


def _series(f, group):
    """Every dataset of /timeseries/<group> as {name: array}; {} when the group is absent."""
    g = f.get(f"timeseries/{group}")
    return {} if g is None else {k: g[k][()] for k in g}


@dataclass
class Run:
    """One run's time series, endpoints and metadata.

    time: days since the end of the spin-up, float64 [T]; every series below has length T.
    agents: all agents, int64. populations: cell type -> agents, int64. blood: pool -> count
    (1e9/L; rbc 1e12/L; hemoglobin g/dL). production: pool -> cells entering the blood per day.
    chimerism: lineage -> donor fraction 0..1. niche: occupied_niches, hsc_in_niche_fraction.
    endpoints: name -> float (NaN: not reached). provenance: the /provenance attributes.
    parameters: the stored scenario (/parameters@scenario) parsed with tomllib.
    ranges: normal ranges of the run's preset, count -> (low, high), from /normal_ranges.
    complete: the run ended normally (an interrupted run has provenance["interrupted"]).
    """
    path: str
    schema_version: int
    complete: bool
    time: np.ndarray
    agents: np.ndarray
    populations: dict
    blood: dict
    production: dict
    chimerism: dict
    niche: dict
    endpoints: dict
    provenance: dict
    parameters: dict
    preset: str
    represented_fraction: float
    site_um: float
    dt_hours: float
    ranges: dict

    def normal_ranges(self):
        """Normal blood ranges of this run's preset, {pool: (low, high)}; {} when the file has none."""
        return self.ranges

    def table(self):
        """Every time series as one table: {column: array [T]}, columns "time_days", "agents",
        "population/<TYPE>", "blood/<POOL>", "production/<POOL>", "chimerism/<LINEAGE>",
        "niche/<NAME>"."""
        out = {"time_days": self.time, "agents": self.agents}
        for group, series in [("population", self.populations), ("blood", self.blood),
                              ("production", self.production), ("chimerism", self.chimerism),
                              ("niche", self.niche)]:
            out.update({f"{group}/{k}": v for k, v in series.items()})
        return out


def normal_ranges(f):
    """The normal ranges a run file carries (/normal_ranges), {count: (low, high)}."""
    g = f.get("normal_ranges")
    return {} if g is None else {k: (float(v[0]), float(v[1])) for k, v in g.attrs.items()}


def load_run(path):
    """Reads a run file (everything but the snapshots) into a Run."""
    with _open_run(path) as f:
        par = f["parameters"].attrs
        prov = {k: _scalar(v) for k, v in f["provenance"].attrs.items()}
        ep = f.get("endpoints")
        return Run(
            path=os.fspath(path),
            schema_version=int(f.attrs["schema_version"]),
            complete=int(prov.get("complete", 0)) == 1,
            time=f["timeseries/time_days"][()],
            agents=f["timeseries/agents"][()],
            populations=_series(f, "population"),
            blood=_series(f, "blood"),
            production=_series(f, "production"),
            chimerism=_series(f, "chimerism"),
            niche=_series(f, "niche"),
            endpoints={} if ep is None else {k: float(v) for k, v in ep.attrs.items()},
            provenance=prov,
            parameters=tomllib.loads(par["scenario"]),
            preset=str(par.get("preset", "")),
            represented_fraction=float(par.get("represented_fraction", np.nan)),
            site_um=float(par.get("site_um", np.nan)),
            dt_hours=float(par.get("dt_hours", np.nan)),
            ranges=normal_ranges(f),
        )


class SnapshotInfo(NamedTuple):
    name: str
    time_days: float
    step: int


def snapshots(path):
    """The snapshots of a run file, in order: a list of SnapshotInfo(name, time_days, step)."""
    with _open_run(path) as f:
        g = f.get("snapshots", {})
        return [SnapshotInfo(n, float(g[n].attrs["time_days"]), int(g[n].attrs["step"])) for n in sorted(g)]


@dataclass
class Snapshot:
    """The agents and lattice of one snapshot.

    agents: field -> 1-D array, one entry per agent (x, y, z, type, clone, origin, divisions,
    quiescent, gene_modified, next_event_step and any other stored field); type and origin are
    codes into type_names and origin_names. site_kind: uint8 [Z][Y][X], codes into
    site_kind_names (marrow, bone, sinusoid, arteriole); niche likewise into niche_names.
    """
    path: str
    name: str
    time_days: float
    step: int
    agents: dict
    type_names: list
    origin_names: list
    site_kind: np.ndarray
    site_kind_names: list
    niche: np.ndarray
    niche_names: list
    extra: dict  # the snapshot's other attributes (origin_step, ...)


def load_snapshot(path, name=-1):
    """Reads one snapshot: `name` is its name ("000003") or an index into snapshots(path)
    (default -1, the last). Raises ValueError naming the file when there is no such snapshot."""
    with _open_run(path) as f:
        names = sorted(f.get("snapshots", {}))
        if isinstance(name, int):
            if not -len(names) <= name < len(names):
                raise ValueError(f"{path}: no snapshot with index {name} ({len(names)} snapshots)")
            name = names[name]
        if name not in names:
            raise ValueError(f"{path}: no snapshot {name!r} (has {', '.join(names) or 'none'})")
        g = f["snapshots"][name]
        ag, kind, niche = g["agents"], g["lattice/site_kind"], g["lattice/niche"]
        attrs = {k: _scalar(v) for k, v in g.attrs.items()}
        return Snapshot(
            path=os.fspath(path), name=name, time_days=float(attrs.pop("time_days")),
            step=int(attrs.pop("step")), agents={k: ag[k][()] for k in ag},
            type_names=_names(ag.attrs["type_names"]), origin_names=_names(ag.attrs["origin_names"]),
            site_kind=kind[()], site_kind_names=_names(kind.attrs["kind_names"]),
            niche=niche[()], niche_names=_names(niche.attrs["kind_names"]), extra=attrs)


def clone_sizes(snapshot, types=None):
    """Agents per clone id in a Snapshot, largest first (ties by clone id).

    types: cell type names to count (default all). Returns {"clone": uint32 array,
    "size": int64 array}; clones without an agent of these types are absent.
    """
    clone = snapshot.agents["clone"]
    if types is not None:
        unknown = sorted(set(types) - set(snapshot.type_names))
        if unknown:
            raise ValueError(f"{snapshot.path}: no cell type {', '.join(unknown)} "
                             f"(has {', '.join(snapshot.type_names)})")
        codes = [snapshot.type_names.index(t) for t in types]
        clone = clone[np.isin(snapshot.agents["type"], codes)]
    ids, sizes = np.unique(clone, return_counts=True)
    order = np.lexsort((ids, -sizes))
    return {"clone": ids[order], "size": sizes[order].astype(np.int64)}


QUANTILES = ["median", "q25", "q75", "lo95", "hi95"]


def _column(values):
    """CSV strings as a float64 array when every one is a number, else as a str array."""
    try:
        return np.array([float(v) for v in values])
    except ValueError:
        return np.array(values, dtype=str)


def _read_csv(path):
    if not os.path.exists(path):
        raise ValueError(f"{path}: missing: not a marrow sweep folder")
    with open(path, newline="") as f:
        rows = list(csv.reader(f))
    if not rows:
        raise ValueError(f"{path}: empty")
    return rows[0], rows[1:]


@dataclass
class Sweep:
    """A `marrow sweep` folder.

    varied: the varied keys, in --vary order. points: key -> value at each grid point [P]
    (float64 when numeric, else str). completed, failed: runs per point, int64 [P].
    metrics: metric -> {"median", "q25", "q75", "lo95", "hi95": float64 [P], "not_reached":
    int64 [P]} over the completed replicates (endpoints and final_<POOL> blood counts).
    runs: runs.csv as columns [R]: point, replicate, seed (int64), file (name), path (file
    joined to the folder), and each varied key.
    """
    path: str
    varied: list
    points: dict
    completed: np.ndarray
    failed: np.ndarray
    metrics: dict
    runs: dict

    def metric(self, name):
        """The quantiles of one metric; ValueError naming the available ones if absent."""
        if name not in self.metrics:
            raise ValueError(f"{self.path}: no metric {name!r} (has {', '.join(sorted(self.metrics))})")
        return self.metrics[name]

    def table(self):
        """The summary as one table, a row per point: {column: array [P]} with the columns of
        summary.csv (point, the varied keys, completed, failed, <metric>_<quantile>)."""
        out = {"point": np.arange(len(self.completed))}
        out.update(self.points)
        out.update(completed=self.completed, failed=self.failed)
        for m, q in self.metrics.items():
            out.update({f"{m}_{k}": v for k, v in q.items()})
        return out


def load_sweep(path):
    """Reads a sweep folder: the grid from summary.csv (which keeps the --vary order), the
    metrics from summary.h5 (full precision), the runs from runs.csv."""
    path = os.fspath(path)
    if not os.path.isdir(path):
        raise ValueError(f"{path}: not a folder, so not a marrow sweep")
    header, rows = _read_csv(os.path.join(path, "summary.csv"))
    if header[0] != "point" or "completed" not in header:
        raise ValueError(f"{path}/summary.csv: not a marrow sweep summary")
    varied = header[1:header.index("completed")]
    cols = {h: [r[i] for r in rows] for i, h in enumerate(header)}
    h5 = os.path.join(path, "summary.h5")
    if not h5py.is_hdf5(h5):
        raise ValueError(f"{h5}: missing or not HDF5: not a marrow sweep folder")
    with h5py.File(h5, "r") as f:
        if "completed" not in f or "failed" not in f:
            raise ValueError(f"{h5}: not a marrow sweep summary")
        g = f.get("metrics", {})  # absent when no run completed
        metrics = {m: {q: g[m][q][()] for q in QUANTILES + ["not_reached"]} for m in g}
        completed, failed = f["completed"][()], f["failed"][()]
    if len(completed) != len(rows):
        raise ValueError(f"{path}: summary.csv has {len(rows)} points, summary.h5 {len(completed)}")
    rheader, rrows = _read_csv(os.path.join(path, "runs.csv"))
    runs = {h: [r[i] for r in rrows] for i, h in enumerate(rheader)}
    for k in ["point", "replicate", "seed"]:
        runs[k] = np.array(runs[k], dtype=np.int64)
    runs["path"] = np.array([os.path.join(path, n) for n in runs["file"]], dtype=str)
    runs["file"] = np.array(runs["file"], dtype=str)
    for k in varied:
        runs[k] = _column(runs[k])
    return Sweep(path=path, varied=varied, points={k: _column(cols[k]) for k in varied},
                 completed=completed, failed=failed, metrics=metrics, runs=runs)


def metric_unit(metric):
    """The unit of a sweep metric or endpoint name ("final_platelets" -> "1e9/L")."""
    if metric.endswith("_day"):
        return "day"
    for prefix in ["final_", "nadir_"]:
        if metric.startswith(prefix):
            return UNITS.get(metric[len(prefix):], "")
    return ""


def default_png(path, suffix=""):
    """The default output of a plotting script for an input file: RUN.h5 -> RUN<suffix>.png."""
    return os.path.splitext(os.fspath(path))[0] + suffix + ".png"
