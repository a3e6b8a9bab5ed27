#pragma once
// Per-block event calendar: a ring of buckets indexed by step modulo the window. An agent sits
// in the bucket of its next event step; one due beyond the window is revisited once per lap
// instead of every step, so a rare event costs (window / interval) visits, not one per step.
// Entries are slot numbers checked against the agent's own next step when the bucket is
// drained, so a stale entry (the slot died or was rescheduled) is simply dropped.
#include <cstdint>
#include <stdexcept>
#include <vector>

namespace marrow {

inline constexpr int64_t kNever = INT64_MAX;

class Calendar {
 public:
  explicit Calendar(int window = 256) { resize(window); }

  void resize(int window) {
    if (window < 1 || (window & (window - 1)) != 0)
      throw std::invalid_argument("calendar window must be a power of two");
    buckets_.assign(static_cast<size_t>(window), {});
    mask_ = window - 1;
  }
  int window() const { return mask_ + 1; }
  bool same_bucket(int64_t a, int64_t b) const { return ((a ^ b) & mask_) == 0; }

  void push(int64_t step, uint32_t slot) {
    if (step != kNever) buckets_[static_cast<size_t>(step & mask_)].push_back(slot);
  }
  std::vector<uint32_t>& bucket(int64_t step) {
    return buckets_[static_cast<size_t>(step & mask_)];
  }
  // Asks for the line where each bucket's next entry goes, to be written: a step's events enter
  // their agents in buckets whose ends were last written a lap ago.
  void prefetch_ends() const {
    for (const auto& b : buckets_) __builtin_prefetch(b.data() + b.size(), 1);
  }
  void clear() {
    for (auto& b : buckets_) b.clear();
  }

 private:
  std::vector<std::vector<uint32_t>> buckets_;
  int64_t mask_ = 0;
};

}  // namespace marrow
