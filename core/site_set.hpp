#pragma once
// Sets of sites every rank knows whole: a bit per padded site, and the count of members before
// each 512 sites, so that the i-th member is found in O(log n). The lattice's own state is
// held per window (core/lattice.hpp); these carry what draws over the whole lattice choose from
// (entry sites of a graft, homing sites), at an eighth of a byte per site and set.
#include <bit>
#include <cstdint>
#include <span>
#include <vector>

#include "core/comm.hpp"
#include "core/lattice.hpp"

namespace marrow {

class SiteBits {
 public:
  SiteBits() = default;
  explicit SiteBits(int64_t sites) : words_(static_cast<size_t>((sites + 63) / 64), 0) {}
  bool test(SiteId s) const { return words_[s >> 6] >> (s & 63) & 1; }
  void set(SiteId s) { words_[s >> 6] |= uint64_t{1} << (s & 63); }
  void reset(SiteId s) { words_[s >> 6] &= ~(uint64_t{1} << (s & 63)); }
  // Every rank's bits, on every rank: ranks must have set disjoint bits (their own slabs).
  void merge() {
    // Disjoint bits add without carries: the sum is the union.
    comm::sum(std::span<int64_t>(reinterpret_cast<int64_t*>(words_.data()), words_.size()));
  }
  const std::vector<uint64_t>& words() const { return words_; }

 private:
  std::vector<uint64_t> words_;
};

class SiteSet {
 public:
  SiteSet() = default;
  explicit SiteSet(SiteBits bits) : bits_(std::move(bits)) {
    const auto& w = bits_.words();
    before_.resize(w.size() / kGroup + 2);
    uint32_t n = 0;
    for (size_t i = 0; i < w.size(); ++i) {
      if (i % kGroup == 0) before_[i / kGroup] = n;
      n += static_cast<uint32_t>(std::popcount(w[i]));
    }
    for (size_t g = (w.size() + kGroup - 1) / kGroup; g < before_.size(); ++g) before_[g] = n;
    size_ = n;
  }
  size_t size() const { return size_; }
  bool empty() const { return size_ == 0; }
  bool contains(SiteId s) const { return bits_.test(s); }
  // The members before site s.
  size_t rank(SiteId s) const {
    const auto& w = bits_.words();
    const size_t word = s >> 6;
    if (word >= w.size()) return size_;
    size_t n = before_[word / kGroup];
    for (size_t k = word / kGroup * kGroup; k < word; ++k)
      n += static_cast<size_t>(std::popcount(w[k]));
    const uint64_t below = (s & 63) ? w[word] << (64 - (s & 63)) : 0;
    return n + static_cast<size_t>(std::popcount(below));
  }
  // f(i, s) for each member s in [lo, hi), in site order, with its index i among the members.
  template <class F>
  void for_each(SiteId lo, SiteId hi, F&& f) const {
    const auto& w = bits_.words();
    size_t i = rank(lo);
    for (size_t word = lo >> 6; word < w.size() && word * 64 < hi; ++word) {
      uint64_t bits = w[word];
      if (word == (lo >> 6) && (lo & 63)) bits &= ~uint64_t{0} << (lo & 63);
      for (; bits != 0; bits &= bits - 1) {
        const auto s = static_cast<SiteId>(word * 64 + static_cast<size_t>(std::countr_zero(bits)));
        if (s >= hi) return;
        f(i++, s);
      }
    }
  }
  // The i-th member in site order, i < size().
  SiteId at(size_t i) const {
    // The group of words holding member i: before_[group] <= i < before_[group + 1].
    size_t lo = 0, hi = before_.size() - 1;
    while (hi - lo > 1) {
      const size_t mid = (lo + hi) / 2;
      (before_[mid] <= i ? lo : hi) = mid;
    }
    const auto& w = bits_.words();
    size_t k = i - before_[lo], word = lo * kGroup;
    for (;; ++word) {
      const auto c = static_cast<size_t>(std::popcount(w[word]));
      if (k < c) break;
      k -= c;
    }
    uint64_t bits = w[word];
    for (; k > 0; --k) bits &= bits - 1;
    return static_cast<SiteId>(word * 64 + static_cast<size_t>(std::countr_zero(bits)));
  }

 private:
  static constexpr size_t kGroup = 8;  // words per count
  SiteBits bits_;
  std::vector<uint32_t> before_;  // members before each group of kGroup words
  size_t size_ = 0;
};

}  // namespace marrow
