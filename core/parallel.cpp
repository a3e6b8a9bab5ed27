#include "core/parallel.hpp"

#include <sched.h>

#include <algorithm>
#include <atomic>
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

// Checks of a shared word before a waiting thread sleeps: about 10-30 us on current x86 cores,
// longer than the serial work between a step's loops, far shorter than a scheduler's time slice
// (so a waiting thread gives its core back to busy neighbours quickly).
constexpr int kSpins = 4000;

thread_local bool t_in_loop = false;

class Team {
 public:
  explicit Team(int workers) {
    for (int i = 0; i < workers; ++i) threads_.emplace_back([this] { work(); });
  }
  ~Team() {
    stop_.store(true);
    generation_.fetch_add(1);
    generation_.notify_all();
    for (std::thread& t : threads_) t.join();
  }

  void run(int64_t n, detail::LoopBody body, void* context) {
    body_.store(body, std::memory_order_relaxed);
    context_.store(context, std::memory_order_relaxed);
    n_.store(n, std::memory_order_relaxed);
    done_.store(0, std::memory_order_relaxed);
    const uint32_t g = ++published_;
    claim_.store(uint64_t{g} << 32, std::memory_order_release);
    generation_.store(g);
    if (sleeping_.load() > 0) generation_.notify_all();
    t_in_loop = true;
    take(g);
    t_in_loop = false;
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
  }

 private:
  // Claims and runs indices of loop g until none is left (or the loop is no longer g).
  void take(uint32_t g) {
    uint64_t v = claim_.load(std::memory_order_acquire);
    for (;;) {
      if (static_cast<uint32_t>(v >> 32) != g) return;
      const int64_t i = static_cast<int64_t>(v & 0xFFFFFFFFu);
      // n_ is loop g's unless g is over; then the claim below fails.
      if (i >= n_.load(std::memory_order_relaxed)) return;
      if (!claim_.compare_exchange_weak(v, v + 1, std::memory_order_acq_rel,
                                        std::memory_order_acquire))
        continue;
      // Index i of loop g is ours: the loop cannot end, nor its body change, before we finish.
      body_.load(std::memory_order_relaxed)(context_.load(std::memory_order_relaxed), i);
      const int64_t finished = done_.fetch_add(1) + 1;
      if (finished == n_.load(std::memory_order_relaxed) && caller_sleeping_.load())
        done_.notify_all();
      v = claim_.load(std::memory_order_acquire);
    }
  }

  void work() {
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
      take(g);
    }
  }

  std::vector<std::thread> threads_;
  std::atomic<uint64_t> claim_{0};  // (loop << 32) | next index
  std::atomic<uint32_t> generation_{0};
  uint32_t published_ = 0;
  std::atomic<detail::LoopBody> body_{nullptr};
  std::atomic<void*> context_{nullptr};
  std::atomic<int64_t> n_{0};
  std::atomic<int64_t> done_{0};
  std::atomic<int> sleeping_{0};
  std::atomic<bool> caller_sleeping_{false};
  std::atomic<bool> stop_{false};
};

int default_threads() {
#if defined(MARROW_ONE_THREAD)
  return 1;
#endif
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
  if (want == g_threads.load() && (want < 2 || g_team)) return;
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
  if (!g_team) g_team = std::make_unique<Team>(g_threads.load() - 1);
  g_team->run(n, body, context);
}

}  // namespace marrow
