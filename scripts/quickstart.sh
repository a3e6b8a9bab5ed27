#!/usr/bin/env bash
# Sets up a fresh Debian 12 machine for marrow, builds it, and then either runs the default
# scenario (`run`) or the whole test suite (`test`). Safe to run again: it installs only what
# is missing and rebuilds incrementally.
#   bash scripts/quickstart.sh run    # build, then `marrow run` on the built-in default
#   bash scripts/quickstart.sh test   # build, then the unit, system and sanitizer tests
set -euo pipefail
mode=${1:-run}
cd "$(dirname "$0")/.."

packages=(build-essential cmake pkg-config git libhdf5-dev hdf5-tools libcli11-dev libfmt-dev
  libgtest-dev librandom123-dev libtomlplusplus-dev nlohmann-json3-dev libbenchmark-dev
  python3-h5py python3-numpy python3-matplotlib)
# The tests also fuzz with clang's libFuzzer, drive a terminal with script(1), open the XDMF
# sidecars in ParaView (pvpython under a virtual X server) and submit a sweep to Slurm.
if [[ $mode == test ]]; then
  packages+=(clang libclang-rt-14-dev bsdutils python3-paraview xvfb slurm-wlm munge
    libopenmpi-dev libhdf5-openmpi-dev openmpi-bin)
fi
sudo=""
[[ $(id -u) == 0 ]] || sudo="sudo"
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  echo "installing: ${missing[*]}"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

jobs=$(nproc)
cmake -S . -B build -DCMAKE_BUILD_TYPE=Release >/dev/null
# `run` builds the program alone; `test` builds everything the tests need.
if [[ $mode == run ]]; then
  cmake --build build -j"$jobs" --target marrow
else
  cmake --build build -j"$jobs"
fi

case $mode in
  run)
    ./build/marrow run
    ;;
  test)
    # The Slurm sweep test needs a Slurm that accepts jobs: where none answers, a single-node one
    # on this machine for the length of the tests.
    if ! sinfo -h >/dev/null 2>&1; then
      $sudo bash scripts/local_slurm.sh start >/dev/null
      trap '$sudo bash scripts/local_slurm.sh stop' EXIT
    fi
    # ParaView and Slurm are installed above, so their tests must run rather than skip.
    MARROW_REQUIRE_PARAVIEW=1 MARROW_REQUIRE_SLURM=1 ctest --test-dir build --output-on-failure -j"$jobs" --timeout 1200
    # The unit tests again under the address and undefined-behaviour sanitizers.
    # -O1, as the sanitizers' documentation advises: the checks stay, the statistical tests run
    # several times faster than at -O0.
    cmake -S . -B build-sanitize -DCMAKE_BUILD_TYPE=Debug -DCMAKE_CXX_FLAGS_DEBUG="-g -O1" \
      -DMARROW_SANITIZE=ON >/dev/null
    cmake --build build-sanitize -j"$jobs" --target marrow_unit_tests
    ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1 \
      ctest --test-dir build-sanitize --output-on-failure -j"$jobs" -L unit
    # The distributed build (MPI) against the serial program: 1, 2 and 4 ranks (oversubscribed),
    # a transplant on 4, and a 4-rank snapshot continued on 2.
    cmake -S . -B build-mpi -DCMAKE_BUILD_TYPE=Release -DMARROW_MPI=ON -DMARROW_TESTS=OFF >/dev/null
    cmake --build build-mpi -j"$jobs" --target marrow
    for t in identity transplant restart; do
      /usr/bin/python3 tests/system/test_mpi.py "$t" --marrow build/marrow \
        --mpi-marrow build-mpi/marrow --source .
    done
    # The scenario loader and the output-file readers under libFuzzer, from their corpora.
    cmake -S . -B build-fuzz -DCMAKE_C_COMPILER=clang -DCMAKE_CXX_COMPILER=clang++ \
      -DCMAKE_BUILD_TYPE=RelWithDebInfo -DMARROW_FUZZ=ON -DMARROW_TESTS=OFF -DMARROW_THREADS=OFF >/dev/null
    cmake --build build-fuzz -j"$jobs" --target fuzz_scenario fuzz_output_file
    ctest --test-dir build-fuzz -L fuzz --output-on-failure
    ;;
  *)
    echo "usage: $0 run|test" >&2
    exit 2
    ;;
esac
