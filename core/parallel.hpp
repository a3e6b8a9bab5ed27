#pragma once
// The threads of the parallel update: a team of workers that wait between loops, spinning
// briefly and then asleep, and loops whose indices are claimed one at a time by whichever
// thread is free. A thread that the operating system has descheduled (other processes hold the
// cores) takes no work, so the others do not wait for it: two threads are not slower than one on
// a busy machine, as they are when a loop is split in fixed shares at a barrier that spins.
//
// The results do not depend on the threads: a loop body may only write what its index owns
// (a block of one colour, a site), and reductions combine per-index results in index order.
#include <cstdint>
#include <type_traits>

namespace marrow {

// The threads the loops use, the calling thread included; n <= 0: OMP_NUM_THREADS when set,
// else the hardware's.
void set_threads(int n);
int threads();

namespace detail {
using LoopBody = void (*)(void* context, int64_t index);
void run_team(int64_t n, LoopBody body, void* context);
}  // namespace detail

// Runs f(i) for every i in [0, n), on the team when `parallel` (else, or for one thread, in
// order on the calling thread). Loops do not nest: a loop inside a loop runs on its thread.
template <class F>
void parallel_for(int64_t n, F&& f, bool parallel = true) {
  if (!parallel || n < 2 || threads() < 2) {
    for (int64_t i = 0; i < n; ++i) f(i);
    return;
  }
  using Body = std::remove_reference_t<F>;
  detail::run_team(
      n, [](void* c, int64_t i) { (*static_cast<Body*>(c))(i); },
      const_cast<void*>(static_cast<const void*>(&f)));
}

}  // namespace marrow
