#pragma once
// Sets of sites every rank knows whole: a bit per padded site, and the count of members before
// each 64-site word, so that the i-th member is found in O(log n). The lattice's own state is
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
    before_.resize(w.size() + 1);
    uint32_t n = 0;
    for (size_t i = 0; i < w.size(); ++i) {
      before_[i] = n;
      n += static_cast<uint32_t>(std::popcount(w[i]));
    }
    before_[w.size()] = n;
  }
  size_t size() const { return before_.empty() ? 0 : before_.back(); }
  bool empty() const { return size() == 0; }
  bool contains(SiteId s) const { return bits_.test(s); }
  // The members before site s.
  size_t rank(SiteId s) const {
    const size_t word = s >> 6;
    if (word >= bits_.words().size()) return size();
    const uint64_t below = (s & 63) ? bits_.words()[word] << (64 - (s & 63)) : 0;
    return before_[word] + static_cast<size_t>(std::popcount(below));
  }
  // The i-th member in site order, i < size().
  SiteId at(size_t i) const {
    size_t lo = 0, hi = before_.size() - 1;  // the word holding member i: before_[word] <= i
    while (hi - lo > 1) {
      const size_t mid = (lo + hi) / 2;
      (before_[mid] <= i ? lo : hi) = mid;
    }
    uint64_t word = bits_.words()[lo];
    for (size_t k = i - before_[lo]; k > 0; --k) word &= word - 1;
    return static_cast<SiteId>(lo * 64 + static_cast<size_t>(std::countr_zero(word)));
  }

 private:
  SiteBits bits_;
  std::vector<uint32_t> before_;
};

}  // namespace marrow
