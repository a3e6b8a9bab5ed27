#include "core/parallel.hpp"

#include <sched.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdlib>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>
#define MARROW_PAUSE() _mm_pause()
#else
#define MARROW_PAUSE() ((void)0)
#endif

namespace marrow {
namespace {

// Checks of a shared word before a waiting thread sleeps: a few microseconds to tens of them,
// longer than the serial work between a step's loops, far shorter than a scheduler's time slice
// (so a waiting thread gives its core back to busy neighbours quickly).
constexpr int kSpins = 4000;

thread_local bool t_in_loop = false;

// A range [next, end) of loop indices as one word, so that its owner (taking from the front)
// and others (taking from the back) claim with one compare-and-swap.
struct alignas(64) Range {
  std::atomic<uint64_t> word{0};
  static uint64_t pack(uint32_t next, uint32_t end) { return uint64_t{next} << 32 | end; }
};

class Team {
 public:
  explicit Team(int threads) : ranges_(static_cast<size_t>(threads)) {
    for (int k = 1; k < threads; ++k) workers_.emplace_back([this, k] { work(k); });
  }
  ~Team() {
    stop_.store(true);
    generation_.fetch_add(1);
    generation_.notify_all();
    for (std::thread& t : workers_) t.join();
  }

  void run(int64_t n, detail::LoopBody body, void* context) {
    body_.store(body, std::memory_order_relaxed);
    context_.store(context, std::memory_order_relaxed);
    n_.store(n, std::memory_order_relaxed);
    done_.store(0, std::memory_order_relaxed);
    // Each thread first takes its own contiguous share, the same one every loop (its cache
    // holds those blocks from the last step); then what others have not started, from the back.
    const int64_t t = static_cast<int64_t>(ranges_.size());
    for (int64_t k = 0; k < t; ++k)
      ranges_[static_cast<size_t>(k)].word.store(
          Range::pack(static_cast<uint32_t>(n * k / t), static_cast<uint32_t>(n * (k + 1) / t)),
          std::memory_order_release);
    generation_.fetch_add(1);
    if (sleeping_.load() > 0) generation_.notify_all();
    const auto start = Clock::now();
    t_in_loop = true;
    take(0);
    t_in_loop = false;
    const auto own_done = Clock::now();
    // Wait for the indices other threads claimed and are still running.
    for (int spin = 0; done_.load(std::memory_order_acquire) < n; ++spin) {
      if (spin < kSpins) {
        MARROW_PAUSE();
        continue;
      }
      const int64_t seen = done_.load();
      if (seen >= n) break;
      caller_sleeping_.store(true);
      if (done_.load() == seen) done_.wait(seen);
      caller_sleeping_.store(false);
    }
    // A long wait for the others' last indices means a thread lost its core in the middle of
    // one (other processes hold the cores): the next loops run on this thread alone, for
    // twice as many loops each time it happens again, before the team is tried anew.
    const auto waited = Clock::now() - own_done;
    if (waited > std::max<Clock::duration>(2 * (own_done - start), kLongWait)) {
      alone_ = backoff_;
      backoff_ = std::min(2 * backoff_, kMaxBackoff);
    } else {
      backoff_ = std::max(backoff_ / 2, kMinBackoff);
    }
  }

  // Whether the next loop should run on the calling thread alone (and counts it).
  bool alone() {
    if (alone_ == 0) return false;
    --alone_;
    return true;
  }

 private:
  // Runs index i, claimed by this thread. A claim succeeds only on a range of the current loop
  // (the ranges of a loop are empty before the next loop is published), and the loop cannot
  // end before its claimed indices are done: the body read here is the claimed index's.
  void run_index(uint32_t i) {
    body_.load(std::memory_order_relaxed)(context_.load(std::memory_order_relaxed), i);
    const int64_t finished = done_.fetch_add(1) + 1;
    if (finished == n_.load(std::memory_order_relaxed) && caller_sleeping_.load())
      done_.notify_all();
  }

  // Claims and runs indices until every range is empty: thread k's own from the front, then
  // the others' from the back.
  void take(int k) {
    const size_t t = ranges_.size();
    for (size_t j = 0; j < t; ++j) {
      Range& r = ranges_[(static_cast<size_t>(k) + j) % t];
      const bool own = j == 0;
      uint64_t v = r.word.load(std::memory_order_acquire);
      for (;;) {
        const uint32_t next = static_cast<uint32_t>(v >> 32), end = static_cast<uint32_t>(v);
        if (next >= end) break;
        const uint64_t taken = own ? Range::pack(next + 1, end) : Range::pack(next, end - 1);
        if (!r.word.compare_exchange_weak(v, taken, std::memory_order_acq_rel,
                                          std::memory_order_acquire))
          continue;
        run_index(own ? next : end - 1);
        v = r.word.load(std::memory_order_acquire);
      }
    }
  }

  void work(int k) {
    t_in_loop = true;
    uint32_t seen = 0;
    for (;;) {
      uint32_t g;
      for (int spin = 0; (g = generation_.load(std::memory_order_acquire)) == seen; ++spin) {
        if (spin < kSpins) {
          MARROW_PAUSE();
          continue;
        }
        sleeping_.fetch_add(1);
        generation_.wait(seen);
        sleeping_.fetch_sub(1);
      }
      if (stop_.load()) return;
      seen = g;
      take(k);
    }
  }

  using Clock = std::chrono::steady_clock;
  // Far longer than a block's events (microseconds); a scheduler's time slice is milliseconds.
  static constexpr Clock::duration kLongWait = std::chrono::microseconds(200);
  static constexpr int kMinBackoff = 32, kMaxBackoff = 8192;
  int alone_ = 0, backoff_ = kMinBackoff;
  std::vector<Range> ranges_;  // per thread, the caller's first
  std::vector<std::thread> workers_;
  std::atomic<uint32_t> generation_{0};
  std::atomic<detail::LoopBody> body_{nullptr};
  std::atomic<void*> context_{nullptr};
  std::atomic<int64_t> n_{0};
  std::atomic<int64_t> done_{0};
  std::atomic<int> sleeping_{0};
  std::atomic<bool> caller_sleeping_{false};
  std::atomic<bool> stop_{false};
};

int default_threads() {
  if (const char* e = std::getenv("OMP_NUM_THREADS")) {
    const int n = std::atoi(e);
    if (n > 0) return n;
  }
  // The cores this process may run on (a batch scheduler's allocation), as OpenMP counts them.
  cpu_set_t set;
  if (sched_getaffinity(0, sizeof(set), &set) == 0) return std::max(1, CPU_COUNT(&set));
  return static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
}

std::mutex g_mutex;  // one loop at a time on the team; set_threads
std::unique_ptr<Team> g_team;
std::atomic<int> g_threads{0};

}  // namespace

void set_threads(int n) {
  std::lock_guard<std::mutex> lock(g_mutex);
#if defined(MARROW_ONE_THREAD)
  n = 1;
#endif
  const int want = n > 0 ? n : default_threads();
  if (want == g_threads.load()) return;
  g_team.reset();
  g_threads.store(want);
}

int threads() {
  int n = g_threads.load(std::memory_order_relaxed);
  if (n == 0) {
    set_threads(0);
    n = g_threads.load();
  }
  return n;
}

void detail::run_team(int64_t n, LoopBody body, void* context) {
  std::unique_lock<std::mutex> lock(g_mutex, std::try_to_lock);
  if (t_in_loop || !lock.owns_lock() || n >= (int64_t{1} << 32)) {
    // Inside a loop, or another thread's loop holds the team: here, in order.
    for (int64_t i = 0; i < n; ++i) body(context, i);
    return;
  }
  if (!g_team) g_team = std::make_unique<Team>(g_threads.load());
  if (g_team->alone()) {
    for (int64_t i = 0; i < n; ++i) body(context, i);
    return;
  }
  g_team->run(n, body, context);
}

}  // namespace marrow
