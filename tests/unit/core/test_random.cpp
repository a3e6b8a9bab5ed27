// Counter-based random streams and the geometric waiting-time sampler.
#include <Random123/philox.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdint>
#include <set>
#include <vector>

#include "core/random.hpp"

namespace marrow {
namespace {

TEST(Stream, DrawIsAPureFunctionOfItsInputs) {
  const Stream a(12345), b(12345);
  for (uint64_t who : {0ull, 1ull, 77ull, (1ull << 40) + 3}) {
    for (uint64_t when : {0ull, 5ull, (1ull << 35) + 1}) {
      const Draw x = a.draw(who, when, Purpose::kEvent);
      const Draw y = b.draw(who, when, Purpose::kEvent);
      EXPECT_EQ(x.w, y.w);
      // Drawing other numbers in between changes nothing: there is no hidden state.
      (void)a.draw(who + 1, when, Purpose::kSchedule);
      EXPECT_EQ(a.draw(who, when, Purpose::kEvent).w, x.w);
    }
  }
  EXPECT_EQ(a.seed(), 12345u);
  EXPECT_EQ(Stream(0xDEADBEEFCAFEull).seed(), 0xDEADBEEFCAFEull);
}

TEST(Stream, ChangingAnyInputChangesTheWords) {
  const uint64_t seed = 0x0123456789ABCDEFull, who = 0x0000000500000007ull,
                 when = 0x0000000300000011ull;
  const Purpose why = Purpose::kEvent;
  const auto base = Stream(seed).draw(who, when, why).w;
  // Every bit position of the 64-bit seed, who and when matters (low and high halves).
  for (int bit = 0; bit < 64; ++bit) {
    const uint64_t flip = 1ull << bit;
    EXPECT_NE(Stream(seed ^ flip).draw(who, when, why).w, base) << "seed bit " << bit;
    EXPECT_NE(Stream(seed).draw(who ^ flip, when, why).w, base) << "who bit " << bit;
    if (bit < 56) {  // the top 8 bits of `when` are outside the counter (steps < 2^56)
      EXPECT_NE(Stream(seed).draw(who, when ^ flip, why).w, base) << "when bit " << bit;
    }
  }
  std::set<std::array<uint32_t, 4>> by_purpose;
  for (Purpose p : {Purpose::kInit, Purpose::kSchedule, Purpose::kEvent, Purpose::kDaughter,
                    Purpose::kGeometry, Purpose::kBench, Purpose::kPlacement})
    by_purpose.insert(Stream(seed).draw(who, when, p).w);
  EXPECT_EQ(by_purpose.size(), 7u);
}

TEST(Stream, DrawManyGivesTheWordsOfDrawOnEveryVectorUnit) {
  const Stream s(0xFEEDFACE12345ull);
  std::vector<uint32_t> who(1000);
  for (size_t i = 0; i < who.size(); ++i)
    who[i] = static_cast<uint32_t>(i * 2654435761u) ^ (i % 3 == 0 ? 0xFFFFFFF0u : 0u);
  for (const VectorUnit unit : {VectorUnit::kScalar, VectorUnit::kAvx2, VectorUnit::kAvx512}) {
    // Lengths around the vector widths (8 and 16 counters): the tails go word by word.
    for (const size_t n : {0, 1, 7, 8, 9, 15, 16, 17, 33, 1000}) {
      for (const uint64_t when : {0ull, 12345ull, (1ull << 40) + 7}) {
        std::vector<uint32_t> w[4];
        for (auto& v : w) v.assign(n, 0);
        s.draw_many(std::span(who).first(n), when, Purpose::kEvent, w[0].data(), w[1].data(),
                    w[2].data(), w[3].data(), unit);
        for (size_t i = 0; i < n; ++i) {
          const Draw d = s.draw(who[i], when, Purpose::kEvent);
          ASSERT_EQ((std::array<uint32_t, 4>{w[0][i], w[1][i], w[2][i], w[3][i]}), d.w)
              << "unit " << static_cast<int>(unit) << " n " << n << " i " << i;
        }
      }
    }
  }
}

TEST(Draw, UniformIsInsideTheOpenUnitInterval) {
  const Draw lo{{0u, 0u, 0u, 0u}}, hi{{UINT32_MAX, UINT32_MAX, UINT32_MAX, UINT32_MAX}};
  for (int i = 0; i < 4; ++i) {
    EXPECT_GT(lo.u(i), 0.0);
    EXPECT_LT(hi.u(i), 1.0);
    EXPECT_TRUE(std::isfinite(std::log(lo.u(i))));
  }
  const Stream s(7);
  for (uint64_t k = 0; k < 100000; ++k) {
    const Draw d = s.draw(k, 0, Purpose::kBench);
    for (int i = 0; i < 4; ++i) {
      ASSERT_GT(d.u(i), 0.0);
      ASSERT_LT(d.u(i), 1.0);
    }
  }
}

TEST(Draw, UniformMeanAndVarianceMatch) {
  // 2.5e5 draws x 4 words = 1e6 uniforms. For U(0,1): mean 1/2, variance 1/12.
  // SE(mean) = sqrt(1/12 / n); SE(sample variance) = sqrt((mu4 - sigma^4) / n) with
  // mu4 = 1/80, sigma^4 = 1/144. Tolerance: 4 standard errors.
  const Stream s(2024);
  const int64_t draws = 250000;
  double sum = 0, sum2 = 0;
  int64_t n = 0;
  for (int64_t k = 0; k < draws; ++k) {
    const Draw d = s.draw(static_cast<uint64_t>(k), 3, Purpose::kBench);
    for (int i = 0; i < 4; ++i) {
      const double u = d.u(i);
      sum += u;
      sum2 += u * u;
      ++n;
    }
  }
  const double mean = sum / n;
  const double var = sum2 / n - mean * mean;
  EXPECT_NEAR(mean, 0.5, 4 * std::sqrt(1.0 / 12.0 / n));
  EXPECT_NEAR(var, 1.0 / 12.0, 4 * std::sqrt((1.0 / 80.0 - 1.0 / 144.0) / n));
}

TEST(Draw, BelowIsUniformOverTenBins) {
  // Chi-square goodness of fit, k = 10 bins, 9 degrees of freedom: critical value 27.877 at
  // p = 0.001.
  const Stream s(99);
  const uint32_t bins = 10;
  std::vector<int64_t> count(bins, 0);
  const int64_t draws = 50000;
  for (int64_t k = 0; k < draws; ++k) {
    const Draw d = s.draw(static_cast<uint64_t>(k), 11, Purpose::kInit);
    for (int i = 0; i < 4; ++i) {
      const uint32_t b = d.below(i, bins);
      ASSERT_LT(b, bins);
      ++count[b];
    }
  }
  const double expected = 4.0 * draws / bins;
  double chi2 = 0;
  for (const int64_t c : count) chi2 += (c - expected) * (c - expected) / expected;
  EXPECT_LT(chi2, 27.877);
}

TEST(Draw, BelowCoversTheEdges) {
  EXPECT_EQ((Draw{{0u, UINT32_MAX, 0u, 0u}}.below(0, 7)), 0u);
  EXPECT_EQ((Draw{{0u, UINT32_MAX, 0u, 0u}}.below(1, 7)), 6u);
  EXPECT_EQ((Draw{{0u, UINT32_MAX, 0u, 0u}}.below(1, 1)), 0u);
}

TEST(GeometricSteps, MeanAndFirstStepProbability) {
  // Geometric on {1, 2, ...} with p = 1 - exp(-rate_dt): mean 1/p, variance (1-p)/p^2.
  // Mean tolerance: 4 standard errors sqrt((1-p)/p^2/n). P(k = 1) = p: binomial proportion,
  // tolerance 4 sqrt(p(1-p)/n).
  const Stream s(31337);
  for (const double rate_dt : {0.01, 0.3, 2.0}) {
    const double p = 1.0 - std::exp(-rate_dt);
    const int64_t n = 200000;
    double sum = 0;
    int64_t ones = 0;
    for (int64_t k = 0; k < n; ++k) {
      const int64_t g =
          geometric_steps(s.draw(static_cast<uint64_t>(k), 0, Purpose::kSchedule).u(0), rate_dt);
      ASSERT_GE(g, 1);
      sum += static_cast<double>(g);
      ones += g == 1;
    }
    EXPECT_NEAR(sum / n, 1.0 / p, 4 * std::sqrt((1 - p) / (p * p) / n)) << "rate_dt " << rate_dt;
    EXPECT_NEAR(static_cast<double>(ones) / n, p, 4 * std::sqrt(p * (1 - p) / n))
        << "rate_dt " << rate_dt;
  }
}

TEST(GeometricSteps, InversionIsExact) {
  // k = 1 + floor(-log(u) / r): u just above exp(-r) gives 1, just below gives 2.
  const double r = 0.5;
  EXPECT_EQ(geometric_steps(std::exp(-r) * (1 + 1e-12), r), 1);
  EXPECT_EQ(geometric_steps(std::exp(-r) * (1 - 1e-12), r), 2);
  EXPECT_EQ(geometric_steps(std::exp(-3 * r) * (1 - 1e-12), r), 4);
  // -log(1 - 1e-12) / 1e-9 = 1e-3: still the first step.
  EXPECT_EQ(geometric_steps(1 - 1e-12, 1e-9), 1);
}

TEST(GeometricTable, GivesTheStepsOfTheLogarithmForEveryDraw) {
  // Where the table could be wrong: at its cells' ends and at the quantiles exp(-j r) of the
  // distribution, each with the doubles a few ulps to either side; and a draw's u from words
  // spread over all 2^32.
  for (const double r : {1e-7, 1e-3, 0.0417, 0.229, 1.0, 7.5, 40.0, 0.0, -1.0}) {
    const GeometricTable t(r);
    EXPECT_EQ(t.rate_dt(), r);
    std::vector<double> us;
    for (int i = 1; i <= GeometricTable::kCells; ++i) us.push_back(double(i) / 1024);
    for (int64_t j = 1; j < 70000 && std::exp(-double(j) * r) > 1e-300; ++j)
      us.push_back(std::exp(-double(j) * r));
    int checked = 0;
    for (const double centre : us) {
      double below = centre, above = centre;
      for (int k = 0; k < 4;
           ++k, below = std::nextafter(below, 0.0), above = std::nextafter(above, 2.0))
        for (const double u : {below, above})
          if (u > 0 && u <= 1) {
            ASSERT_EQ(t.steps(u), geometric_steps(u, r)) << "rate " << r << " u " << u;
            ++checked;
          }
    }
    for (uint64_t w = 0; w < (uint64_t{1} << 32); w += 4093) {
      const double u = Draw{{static_cast<uint32_t>(w), 0, 0, 0}}.u(0);
      ASSERT_EQ(t.steps(u), geometric_steps(u, r)) << "rate " << r << " word " << w;
    }
    EXPECT_GT(checked, 8000);
  }
}

TEST(GeometricTable, HoldsEveryCellThatNoQuantileCrosses) {
  // The quantiles exp(-j r) lie r u apart near u: above u* = 1 / (kCells r) each cell holds
  // at most one, and there are log(1 / u*) / r of them; the cells below u* and the two end
  // cells may all need the logarithm. Every other cell must be held.
  const int n = GeometricTable::kCells;
  for (const double r : {0.2 / 24, 1.0 / 24, 5.5 / 24, 1.0, 7.5}) {
    const double u_star = std::min(1.0, 1.0 / (n * r));
    const double bound = n - u_star * n - std::log(1 / u_star) / r - 3;
    EXPECT_GE(GeometricTable(r).held(), bound) << "rate " << r;
  }
  EXPECT_EQ(GeometricTable(0.0).held(), 0);
}

TEST(GeometricSteps, ZeroOrNegativeRateNeverHappens) {
  EXPECT_EQ(geometric_steps(0.5, 0.0), INT64_MAX);
  EXPECT_EQ(geometric_steps(1e-300, 0.0), INT64_MAX);
  EXPECT_EQ(geometric_steps(0.5, -1.0), INT64_MAX);
  // A vanishing rate gives a wait beyond any run rather than an overflow.
  EXPECT_EQ(geometric_steps(1e-10, 1e-300), INT64_MAX);
}

}  // namespace
}  // namespace marrow

namespace marrow {
namespace {

TEST(Philox, SameWordsAsRandom123) {
  // The known answers of Random123's kat_vectors for philox4x32-10, and agreement with its
  // implementation over counters and keys across the range.
  EXPECT_EQ(philox4x32_10({0, 0, 0, 0}, {0, 0}),
            (std::array<uint32_t, 4>{0x6627e8d5, 0xe169c58d, 0xbc57ac4c, 0x9b00dbd8}));
  uint64_t z = 0x853C49E6748FEA9Bull;
  for (int i = 0; i < 100000; ++i) {
    std::array<uint32_t, 6> x;
    for (uint32_t& v : x) {
      z = z * 6364136223846793005ull + 1442695040888963407ull;
      v = static_cast<uint32_t>(z >> 32);
    }
    const r123::Philox4x32::ctr_type c{{x[0], x[1], x[2], x[3]}};
    const r123::Philox4x32::key_type k{{x[4], x[5]}};
    const auto want = r123::Philox4x32()(c, k);
    const auto got = philox4x32_10({x[0], x[1], x[2], x[3]}, {x[4], x[5]});
    for (int j = 0; j < 4; ++j) ASSERT_EQ(got[j], want[j]) << "draw " << i;
  }
}

}  // namespace
}  // namespace marrow
