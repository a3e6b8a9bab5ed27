#!/usr/bin/env bash
# Compares marrow's engine with the plain C++ reference on the lattice-bd workload
# (../shared/bench/lattice-bd.md): both on the same sizes in one invocation, alternating, several
# repetitions; prints medians and ratios. Only ratios measured in one run mean anything on a
# shared machine.
#   bench/compare.sh [-L 2048] [-T 200] [-r 3] [-m build/marrow] [-n path/to/naive_lattice_bd.cpp]
set -euo pipefail
L=2048 T=200 R=3 MARROW=build/marrow NAIVE_SRC=../shared/bench/naive_lattice_bd.cpp
while getopts "L:T:r:m:n:" o; do
  case $o in
    L) L=$OPTARG ;; T) T=$OPTARG ;; r) R=$OPTARG ;; m) MARROW=$OPTARG ;; n) NAIVE_SRC=$OPTARG ;;
    *) echo "usage: $0 [-L size] [-T steps] [-r repetitions] [-m marrow] [-n naive.cpp]" >&2; exit 2 ;;
  esac
done
[[ -x $MARROW ]] || { echo "no marrow binary at $MARROW (build first, or -m)" >&2; exit 2; }
[[ -f $NAIVE_SRC ]] || { echo "no reference source at $NAIVE_SRC (-n)" >&2; exit 2; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
g++ -O2 -std=c++17 "$NAIVE_SRC" -o "$work/naive"

for rep in $(seq "$R"); do
  "$work/naive" "$L" "$T" "$rep" | sed -n 's/.*final_agents=\([0-9]*\).*updates_per_s=\([^ ]*\).*/naive 1 \2 \1/p' >>"$work/rows"
  for threads in 1 2; do
    "$MARROW" bench lattice-bd --size "$L" --steps "$T" --dim 2 --threads "$threads" --seed "$rep" --json |
      /usr/bin/python3 -c "import json,sys; d=json.load(sys.stdin); print('marrow', d['threads'], d['rate'], d['final_agents'], d['peak_rss_bytes'])" >>"$work/rows"
  done
done

/usr/bin/python3 - "$work/rows" "$L" "$T" "$R" <<'PY'
import statistics as st, sys
rows = [l.split() for l in open(sys.argv[1])]
L, T, R = sys.argv[2:5]
def med(impl, threads, col):
    return st.median(float(r[col]) for r in rows if r[0] == impl and r[1] == str(threads))
naive = med("naive", 1, 2)
m1, m2 = med("marrow", 1, 2), med("marrow", 2, 2)
print(f"lattice-bd 2D L={L} T={T}, median of {R} alternating runs")
print(f"{'implementation':<22}{'updates/s':>14}{'vs reference':>14}{'final agents':>14}")
print(f"{'reference (g++ -O2)':<22}{naive:>14.3e}{1.0:>14.2f}{med('naive', 1, 3):>14.0f}")
print(f"{'marrow, 1 thread':<22}{m1:>14.3e}{m1 / naive:>14.2f}{med('marrow', 1, 3):>14.0f}")
print(f"{'marrow, 2 threads':<22}{m2:>14.3e}{m2 / naive:>14.2f}{med('marrow', 2, 3):>14.0f}")
print(f"2 threads / 1 thread: {m2 / m1:.2f}")
PY
