"""What the system-test scripts share: failing with a message, and running one named test."""
import argparse
import glob
import sys
import tempfile


def fail(msg):
    print("FAIL:", msg)
    sys.exit(1)


def need(cond, msg):
    if not cond:
        fail(msg)


def partials(path):
    """The temporary files of runs writing `path` (PATH.<pid>.partial)."""
    return glob.glob(glob.escape(path) + ".*partial")


def run_named(tests):
    """Parses NAME --marrow PATH --source DIR, runs tests["test_" + NAME](tmp) in a temporary
    folder, and returns the parsed arguments' namespace first through `tests["ARGS"]`."""
    p = argparse.ArgumentParser()
    p.add_argument("name")
    p.add_argument("--marrow", required=True)
    p.add_argument("--source", required=True)
    tests["ARGS"] = p.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        tests["test_" + tests["ARGS"].name](tmp)
    print("ok:", tests["ARGS"].name)
