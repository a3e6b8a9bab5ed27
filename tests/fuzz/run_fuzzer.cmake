# Runs one libFuzzer target for a while from a copy of its seed corpus (ctest -L fuzz).
#   cmake -DFUZZER=... -DCORPUS=... -DWORK=... -DSECONDS=... [-DDICT=...] -P run_fuzzer.cmake
# The seeds are run first (regressions), then new inputs for SECONDS. A failing input is left in
# WORK as crash-*, leak-*, timeout-* or oom-*; reproduce it with `FUZZER WORK/crash-...`.
file(REMOVE_RECURSE ${WORK})
file(MAKE_DIRECTORY ${WORK}/corpus)
file(GLOB seeds ${CORPUS}/*)
file(COPY ${seeds} DESTINATION ${WORK}/corpus)
set(args -max_total_time=${SECONDS} -timeout=5 -rss_limit_mb=2048
    -print_final_stats=1 -artifact_prefix=${WORK}/)
if(DICT)
  list(APPEND args -dict=${DICT})
endif()
set(ENV{ASAN_OPTIONS} "detect_leaks=1:abort_on_error=0")
set(ENV{UBSAN_OPTIONS} "print_stacktrace=1:halt_on_error=1")
execute_process(COMMAND ${FUZZER} ${args} ${WORK}/corpus WORKING_DIRECTORY ${WORK}
                RESULT_VARIABLE rc)
if(NOT rc EQUAL 0)
  file(GLOB found ${WORK}/crash-* ${WORK}/leak-* ${WORK}/timeout-* ${WORK}/oom-*)
  message(FATAL_ERROR "${FUZZER} failed (${rc}); inputs: ${found}")
endif()
