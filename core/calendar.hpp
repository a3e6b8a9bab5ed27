#pragma once
// Per-block event calendar: a ring of buckets indexed by step modulo the window. An agent sits
// in the bucket of its next event step; one due beyond the window is revisited once per lap
// instead of every step, so a rare event costs (window / interval) visits, not one per step.
// Entries are slot numbers checked against the agent's own next step when the bucket is
// drained, so a stale entry (the slot died or was rescheduled) is simply dropped.
//
// A bucket is a bit per slot: an entry is one bit set, a slot entered twice in a bucket is there
// once, and a take reads the slots in increasing order without a sort.
#include <algorithm>
#include <bit>
#include <cstdint>
#include <stdexcept>
#include <utility>
#include <vector>

namespace marrow {

inline constexpr int64_t kNever = INT64_MAX;

class Calendar {
 public:
  explicit Calendar(int window = 256) { resize(window); }

  // Empties the calendar and sets its window.
  void resize(int window) {
    if (window < 1 || (window & (window - 1)) != 0)
      throw std::invalid_argument("calendar window must be a power of two");
    mask_ = window - 1;
    words_ = 0;
    bits_.clear();
    entered_.assign(static_cast<size_t>(window), 0);
  }
  int window() const { return static_cast<int>(mask_ + 1); }
  bool same_bucket(int64_t a, int64_t b) const { return ((a ^ b) & mask_) == 0; }

  void push(int64_t step, uint32_t slot) {
    if (step == kNever) return;
    const size_t w = slot >> 6;
    if (w >= words_) grow(w + 1);
    const size_t b = static_cast<size_t>(step & mask_);
    bits_[b * words_ + w] |= uint64_t{1} << (slot & 63);
    ++entered_[b];
  }
  // Entries made in the bucket of `step` since it was last taken: an upper bound on its slots.
  size_t entries(int64_t step) const { return entered_[static_cast<size_t>(step & mask_)]; }
  // Empties the bucket of `step`, calling f(slot) for each slot in it, in increasing order.
  // f may enter the slot it is given again, in any bucket (this one included: it stays there
  // for the next lap).
  template <class F>
  void take(int64_t step, F&& f) {
    const size_t b = static_cast<size_t>(step & mask_);
    entered_[b] = 0;
    for (size_t w = 0; w < words_; ++w)
      for (uint64_t bits = std::exchange(bits_[b * words_ + w], 0); bits != 0; bits &= bits - 1)
        f(static_cast<uint32_t>(w * 64 + static_cast<size_t>(std::countr_zero(bits))));
  }
  void clear() {
    std::fill(bits_.begin(), bits_.end(), 0);
    std::fill(entered_.begin(), entered_.end(), 0);
  }

 private:
  // Room for `words` words (64 slots each) in every bucket, at least twice what there was.
  void grow(size_t words) {
    const size_t n = std::max(words, 2 * words_);
    std::vector<uint64_t> bits(n * window(), 0);
    for (size_t b = 0; b < static_cast<size_t>(window()); ++b)
      std::copy_n(bits_.begin() + static_cast<std::ptrdiff_t>(b * words_), words_,
                  bits.begin() + static_cast<std::ptrdiff_t>(b * n));
    bits_.swap(bits);
    words_ = n;
  }
  std::vector<uint64_t> bits_;     // bucket b's words at [b * words_, (b + 1) * words_)
  size_t words_ = 0;               // per bucket
  std::vector<uint32_t> entered_;  // per bucket
  int64_t mask_ = 0;
};

}  // namespace marrow
