// The due-agent scan: every vector unit finds the same indices as a plain loop.
#include <gtest/gtest.h>

#include <cstdint>
#include <random>
#include <vector>

#include "core/find_equal.hpp"

namespace marrow {
namespace {

TEST(FindEqual, EveryVectorUnitFindsWhatALoopFinds) {
  std::mt19937 rng(7);
  // Match densities from none to all, at lengths around the vector widths (8 and 16) and the
  // portable word (32), so every tail is taken.
  for (const int in_eight : {0, 1, 3, 8}) {
    for (const size_t n : {0, 1, 7, 8, 9, 15, 16, 17, 31, 32, 33, 47, 64, 1000}) {
      std::vector<int32_t> a(n);
      for (auto& x : a)
        x = static_cast<int>(rng() % 8) < in_eight ? 42 : static_cast<int32_t>(rng() % 100) - 50;
      for (const int32_t value : {42, -7, INT32_MAX}) {
        std::vector<uint32_t> want;
        for (size_t i = 0; i < n; ++i)
          if (a[i] == value) want.push_back(1000 + static_cast<uint32_t>(i));
        for (const VectorUnit unit :
             {VectorUnit::kScalar, VectorUnit::kAvx2, VectorUnit::kAvx512}) {
          std::vector<uint32_t> out(n + kFindEqualSlack, 0xDEADBEEF);
          const size_t k = find_equal(a.data(), n, value, 1000, out.data(), unit);
          out.resize(k);
          ASSERT_EQ(out, want) << "unit " << static_cast<int>(unit) << " n " << n << " value "
                               << value << " density " << in_eight << "/8";
        }
      }
    }
  }
}

}  // namespace
}  // namespace marrow
