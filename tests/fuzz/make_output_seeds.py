#!/usr/bin/env python3
"""Writes the seed corpus of fuzz_output_file (tests/fuzz/corpus/output).

An input of fuzz_output_file is not a file but the stream of decisions its FuzzedDataProvider
hands out: which template, how many edits, which edit on which path, ... Each seed below is
written as that sequence of decisions, in the order the target makes them (fuzz_output_file.cpp
is the reference: keep this in step with it). Paths are looked up by name in the listing the
target prints with MARROW_FUZZ_LIST=1, so the seeds follow changes of the output layout.

    tests/fuzz/make_output_seeds.py BUILD/tests/fuzz/fuzz_output_file tests/fuzz/corpus/output
"""
import os
import subprocess
import sys

SPECIAL = [0, 1, -1, 2, 3, 4, 23, 24, 25, 254, 255, 256, 65535, 65536, 2147483646.0,
           2147483647.0, 2147483648.0, -2147483648.0, 4294967295.0, 9007199254740993.0,
           9.2233720368547758e18, -9.2233720368547758e18, 1e300, -1e-300, 0.5, 'nan', 'inf',
           '-inf']
NEW_PATHS = 10  # Editor::new_path's list
KEYS = ["lattice.size", "lattice.block", "lattice.calendar_window", "lattice.neighbourhood",
        "geometry.bone_thickness", "geometry.sinusoids", "types.LT_HSC.initial",
        "types.MPP.initial", "run.dt_hours", "run.seed", "maturation.myeloid.stages",
        "blood.rbc.lifespan_days", "fields.CXCL12.consumption_per_hour", "organism.hsc_type"]


class Stream:
    """FuzzedDataProvider in reverse: integers come from the end, strings from the front."""

    def __init__(self):
        self.front = bytearray()
        self.tail = []

    def int(self, lo, hi, v):
        assert lo <= v <= hi, (lo, hi, v)
        span, r, n = hi - lo, v - lo, 0
        while n < 8 and (span >> (8 * n)) > 0:
            n += 1
        self.tail.append(bytes((r >> (8 * (n - 1 - i))) & 0xFF for i in range(n)))

    def bool(self, b):
        self.int(0, 255, 1 if b else 0)

    def string(self, s):  # ConsumeRandomLengthString: a backslash doubled, "\" + other ends it
        for c in s.encode('latin-1') if isinstance(s, str) else s:
            self.front += bytes([c]) * (2 if c == 0x5C else 1)
        self.front += b'\\x'

    def raw(self, b):  # ConsumeBytesAsString
        self.front += b

    def special(self, value):
        self.int(0, 3, 2)
        self.int(0, len(SPECIAL) - 1, SPECIAL.index(value))

    def data(self):
        out = bytearray(self.front)
        for group in reversed(self.tail):
            out += group[::-1]
        return bytes(out)


class Template:
    def __init__(self, listing, index):
        def rows(kind):
            return [line.split()[4:] for line in listing
                    if line.startswith(f'template {index} {kind} ')]
        self.index = index
        self.datasets = [r[0] for r in rows('dataset')]
        self.lengths = {r[0]: int(r[1]) for r in rows('dataset')}
        self.groups = [r[0] for r in rows('group')]
        self.attrs = [(r[0], r[1]) for r in rows('attribute')]


class Seed:
    """One input: the template, its edits, then the restart's snapshot, overrides and steps."""

    def __init__(self, templates, template=0, edits=0, not_hdf5=None):
        self.s, self.t = Stream(), templates[template]
        self.s.int(0, len(templates) - 1, template)
        self.s.int(0, 6, edits)
        self.s.int(0, 31, 0 if not_hdf5 is not None else 1)
        if not_hdf5 is not None:
            self.s.string(not_hdf5)

    def dataset(self, path):
        self.s.int(0, len(self.t.datasets) - 1, self.t.datasets.index(path))

    def group(self, path):
        self.s.int(0, len(self.t.groups) - 1, self.t.groups.index(path))

    def attribute(self, obj, name):
        self.s.int(0, len(self.t.attrs) - 1, self.t.attrs.index((obj, name)))

    # Editor::edit, one method per case.
    def delete(self, path):
        self.s.int(0, 10, 0)
        is_dataset = path in self.t.datasets
        self.s.bool(is_dataset)
        self.dataset(path) if is_dataset else self.group(path)

    def replace_dataset(self, path, type_choice=0, type_index=0, shape=5, length=0, rank=3,
                        fill=None, changes=()):
        self.s.int(0, 10, 1)
        self.dataset(path)
        self.s.int(0, 5, type_choice)  # 0-2 keep, 3-4 kTypes[type_index], 5 text
        if type_choice in (3, 4):
            self.s.int(0, 8, type_index)
        self.s.int(0, 7, shape)  # 0 n-1, 1 n+1, 2 empty, 3 `length`, 4 2^length, else n
        if shape == 3:
            raise NotImplementedError('needs the original length')
        if shape == 4:
            self.s.int(20, 40, length)
        self.s.int(0, 9, rank)  # 0 scalar, 1 2-D, 2 null, else 1-D
        if shape == 4 or (shape == 0 and self.t.lengths[path] <= 1) or shape == 2 or rank == 2:
            return  # no values written
        if fill is not None:
            self.s.int(0, 7, 0)
            self.s.special(fill)
        else:
            self.s.int(0, 7, 1)
            self.s.int(0, 4, len(changes))
            n = self.t.lengths[path]
            for index, value in changes:
                self.s.int(0, n - 1, index)
                self.s.special(value)

    def replace_attribute(self, obj, name, text=None, fixed_text=None, number=None):
        self.s.int(0, 10, 5)
        self.s.bool(True)
        self.attribute(obj, name)
        self.s.int(0, 5, 2)  # scalar
        if text is not None:  # variable length, UTF-8
            self.s.int(0, 4, 0)
            self.s.string(text)
        elif fixed_text is not None:  # fixed length, ASCII
            self.s.int(0, 4, 1)
            self.s.int(1, 64, len(fixed_text))
            self.s.bool(True)
            self.s.raw(fixed_text)
        else:
            self.s.int(0, 4, 2)
            self.s.int(0, 2, 0)  # double
            self.s.special(number)

    def stored_scenario_text(self, text):
        self.s.int(0, 10, 7)
        self.s.int(0, 3, 1)
        self.s.string(text)

    def stored_scenario_set(self, key, value):
        self.s.int(0, 10, 7)
        self.s.int(0, 3, 2)
        self.s.int(1, 3, 1)
        self.s.int(0, 7, 1)
        self.s.int(0, len(KEYS) - 1, KEYS.index(key))
        self.s.string(value)

    def dangling_link(self, new_path_index):
        self.s.int(0, 10, 8)
        self.s.bool(False)  # at a new path
        self.s.int(0, 7, 1)
        self.s.int(0, NEW_PATHS - 1, new_path_index)
        self.s.int(0, 4, 1)

    def move_in_time(self, snapshot, step, origin_same=True, never=True):
        self.s.int(0, 10, 9)
        self.s.bool(snapshot == 0)
        self.s.special(step)
        self.s.int(0, 2, 0 if origin_same else 2)
        self.s.bool(never)

    def finish(self, snapshot=None, seed=None, steps=0):
        self.s.int(0, 3, 0 if snapshot is not None else 1)
        if snapshot is not None:
            self.s.string(snapshot)
        self.s.int(0, 3, 0 if seed is not None else 1)
        if seed is not None:
            self.s.int(0, 2**32 - 1, seed)
        self.s.int(0, 3, steps)
        return self.s.data()


def seeds(templates):
    out = {}
    # Genuine files: both must restart (the target checks it).
    out['genuine_human_2d'] = Seed(templates, 0).finish(steps=3)
    out['genuine_mouse_3d'] = Seed(templates, 1).finish(steps=3)
    out['genuine_first_snapshot'] = Seed(templates, 0).finish(snapshot='0', seed=7, steps=2)
    out['no_such_snapshot'] = Seed(templates, 0).finish(snapshot='000009')
    out['snapshot_name_not_ascii'] = Seed(templates, 0).finish(snapshot=b'\xb9\xb9')
    out['not_hdf5'] = Seed(templates, 0, not_hdf5='[run]\ndays = 1\n').finish()
    # Regressions: inputs of the bugs fuzzing found (see tests/fuzz/README.md).
    e = Seed(templates, 0, edits=1)
    e.replace_attribute('/provenance', 'git_hash', text=b'\xb9\xb9')
    out['regression_inspect_json_not_utf8'] = e.finish()
    e = Seed(templates, 0, edits=1)
    e.replace_attribute('/provenance', 'command_line', fixed_text=b'marrow \xff')
    out['regression_inspect_json_not_utf8_fixed'] = e.finish()
    e = Seed(templates, 0, edits=1)
    e.replace_attribute('/endpoints', 'nadir_rbc', number='nan')
    out['endpoint_nan'] = e.finish()
    e = Seed(templates, 0, edits=1)
    e.replace_dataset('/timeseries/population/LT_HSC', shape=4, length=33)
    out['regression_huge_extent_no_data'] = e.finish()
    e = Seed(templates, 0, edits=1)
    e.replace_dataset('/timeseries/agents', fill=1e300)
    out['regression_read_rows_count_cast'] = e.finish(steps=1)
    e = Seed(templates, 0, edits=1)
    e.move_in_time(1, 9.2233720368547758e18)
    out['regression_step_overflow'] = e.finish(steps=3)
    # Near misses of the restart's own checks.
    e = Seed(templates, 0, edits=1)
    e.replace_dataset('/snapshots/000001/agents/x', changes=[(0, 24)])
    out['agent_outside_lattice'] = e.finish(steps=1)
    e = Seed(templates, 0, edits=1)
    e.replace_dataset('/snapshots/000001/agents/next_event_step', fill=-1)
    out['event_in_the_past'] = e.finish(steps=1)
    e = Seed(templates, 1, edits=1)
    e.replace_dataset('/snapshots/000001/compartments/state', fill='nan')
    out['blood_state_nan'] = e.finish(steps=3)
    e = Seed(templates, 0, edits=2)
    e.delete('/snapshots/000001/agents/type')
    e.replace_dataset('/snapshots/000001/agents/clone', shape=0)
    out['agent_fields_missing_and_short'] = e.finish()
    e = Seed(templates, 0, edits=1)
    e.stored_scenario_text('[lattice]\nsize = [1]\n')
    out['stored_scenario_invalid'] = e.finish()
    e = Seed(templates, 0, edits=1)
    e.stored_scenario_set('lattice.size', '[30,30]')
    out['stored_scenario_other_lattice'] = e.finish(steps=2)
    e = Seed(templates, 0, edits=1)
    e.dangling_link(6)  # /timeseries/time_days
    out['dangling_time_days'] = e.finish()
    return out


def main():
    fuzzer, outdir = sys.argv[1], sys.argv[2]
    env = dict(os.environ, MARROW_FUZZ_LIST='1')
    listing = subprocess.run([fuzzer, '-runs=0'], env=env, capture_output=True, text=True,
                             check=True).stdout.splitlines()
    count = 1 + max(int(line.split()[1]) for line in listing if line.startswith('template '))
    templates = [Template(listing, i) for i in range(count)]
    os.makedirs(outdir, exist_ok=True)
    for name, data in seeds(templates).items():
        with open(os.path.join(outdir, name), 'wb') as f:
            f.write(data)


if __name__ == '__main__':
    main()
