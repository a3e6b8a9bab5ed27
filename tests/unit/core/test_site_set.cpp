// Sets of sites known whole (core/site_set.hpp), per-site vectors that hold memory only where
// written (core/site_vector.hpp), and the slabs the lattice is shared out in (core/lattice.hpp).
#include <gtest/gtest.h>
#include <sys/mman.h>
#include <unistd.h>

#include <cstdint>
#include <utility>
#include <vector>

#include "core/lattice.hpp"
#include "core/random.hpp"
#include "core/site_set.hpp"
#include "core/site_vector.hpp"

namespace marrow {
namespace {

TEST(SiteSet, MembersByIndexAndCountsBeforeASiteMatchAList) {
  // Dense, sparse and empty stretches, over several groups of words.
  const int64_t n = 20000;
  SiteBits bits(n);
  std::vector<SiteId> members;
  const Stream st(5);
  for (SiteId s = 0; s < n; ++s) {
    const double p = s < 3000 ? 0.9 : s < 9000 ? 0.01 : s < 12000 ? 0.0 : 0.4;
    if (st.draw(s, 0, Purpose::kBench).u(0) < p) {
      bits.set(s);
      members.push_back(s);
    }
  }
  const SiteSet set(std::move(bits));
  ASSERT_EQ(set.size(), members.size());
  for (size_t i = 0; i < members.size(); ++i) ASSERT_EQ(set.at(i), members[i]) << i;
  size_t before = 0;
  for (SiteId s = 0; s < n; ++s) {
    ASSERT_EQ(set.rank(s), before) << s;
    ASSERT_EQ(set.contains(s), before < members.size() && members[before] == s);
    if (before < members.size() && members[before] == s) ++before;
  }
  EXPECT_EQ(set.rank(static_cast<SiteId>(n + 100)), members.size());
  // The members of a stretch, with their indices.
  for (const auto& [lo, hi] : {std::pair<SiteId, SiteId>{0, 20000},
                               {70, 9013},
                               {2999, 3001},
                               {9500, 11000},
                               {12345, 12346}}) {
    std::vector<std::pair<size_t, SiteId>> got, want;
    set.for_each(lo, hi, [&](size_t i, SiteId s) { got.emplace_back(i, s); });
    for (size_t i = 0; i < members.size(); ++i)
      if (members[i] >= lo && members[i] < hi) want.emplace_back(i, members[i]);
    EXPECT_EQ(got, want) << lo << " " << hi;
  }
}

TEST(SiteVector, IsZeroAndHoldsNoMemoryWhereNeverWritten) {
  const size_t n = size_t{64} << 20;  // 64 MiB
  SiteVector<uint8_t> v(n);
  const size_t page = static_cast<size_t>(sysconf(_SC_PAGESIZE));
  auto resident = [&] {
    std::vector<unsigned char> in(n / page);
    EXPECT_EQ(mincore(v.data(), n, in.data()), 0);
    size_t k = 0;
    for (const unsigned char c : in) k += c & 1;
    return k;
  };
  EXPECT_EQ(resident(), 0u);
  fill_window(v, n / 4, n / 2, uint8_t{7});
  const size_t touched = resident();
  EXPECT_GE(touched, n / 4 / page);
  EXPECT_LE(touched, n / 4 / page + 2);
  const SiteVector<uint8_t> w = copy_window(v, n / 4, n / 2);
  EXPECT_EQ(w[n / 4], 7);
  EXPECT_EQ(w[n / 2], 0);
  EXPECT_EQ(v[12345], 0);  // never written: zero
}

TEST(Lattice, SlabsShareOutEveryRowInBlockRows) {
  const Lattice lat(100, 70, 1, Neighbourhood::kMoore);
  EXPECT_TRUE(lat.window().whole(lat.padded_sites()));  // one process: every site
  for (const int ranks : {1, 2, 3, 4, 7}) {
    int next = 0;
    for (int r = 0; r < ranks; ++r) {
      const auto [first, last] = lat.slab_rows(16, r, ranks);
      EXPECT_EQ(first, next) << ranks;
      EXPECT_LE(first, last);
      // Whole blocks of 16 rows (70 = 4 x 16 + 6: the last block takes the remainder).
      if (first < last) {
        EXPECT_EQ(first % 16, 0);
      }
      next = last;
    }
    EXPECT_EQ(next, 70) << ranks;
  }
}

}  // namespace
}  // namespace marrow
