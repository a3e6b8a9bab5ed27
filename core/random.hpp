#pragma once
// Counter-based random streams: a draw is a pure function of (seed, who, when, purpose),
// so results do not depend on which thread makes the draw or in which order.
#include <array>
#include <cmath>
#include <cstdint>
#include <span>

namespace marrow {

// Why a draw is made; distinct purposes give independent numbers for the same (who, when).
enum class Purpose : uint32_t {
  kInit = 1,
  kSchedule = 2,
  kEvent = 3,
  kDaughter = 4,
  kGeometry = 5,
  kBench = 6,
  kPlacement = 7,
  kTreatment = 8,
  kGraft = 9,
  kActivation = 10,
  kStroma = 11,
  kEgress = 12,
  kAutoimmunity = 13,
  kPatient = 14,
};

// Philox4x32-10 (Salmon, Moraes, Dror & Shaw 2011, SC'11 "Parallel random numbers: as easy as
// 1, 2, 3"): ten rounds of two 32 x 32 -> 64-bit multiplications, the key bumped by Weyl
// constants between rounds. The same words as Random123's philox4x32 (a unit test compares
// them), without its header, which brings in <iostream> and a third of a second of compile time
// to every file that draws.
inline std::array<uint32_t, 4> philox4x32_10(std::array<uint32_t, 4> c, std::array<uint32_t, 2> k) {
  constexpr uint64_t kM0 = 0xD2511F53, kM1 = 0xCD9E8D57;
  for (int round = 0; round < 10; ++round) {
    if (round > 0) {
      k[0] += 0x9E3779B9u;
      k[1] += 0xBB67AE85u;
    }
    const uint64_t p0 = kM0 * c[0], p1 = kM1 * c[2];
    c = {static_cast<uint32_t>(p1 >> 32) ^ c[1] ^ k[0], static_cast<uint32_t>(p1),
         static_cast<uint32_t>(p0 >> 32) ^ c[3] ^ k[1], static_cast<uint32_t>(p0)};
  }
  return c;
}

// Philox4x32-10 over n counters at once, one counter word per array (c1 and c3 shared): the
// words of philox4x32_10({c0[i], c1, c2, c3}, k) into w0[i]..w3[i]. Integer arithmetic only, so
// every vector width gives the same words; the widest the processor has is chosen at run time.
enum class VectorUnit { kScalar, kAvx2, kAvx512 };
VectorUnit widest_vector_unit();
void philox4x32_10_many(const uint32_t* c0, size_t n, uint32_t c1, uint32_t c2, uint32_t c3,
                        std::array<uint32_t, 2> k, uint32_t* w0, uint32_t* w1, uint32_t* w2,
                        uint32_t* w3, VectorUnit unit = widest_vector_unit());

// Four independent 32-bit words from one Philox4x32-10 call.
struct Draw {
  std::array<uint32_t, 4> w;
  // Uniform in the open interval (0, 1): safe for log().
  double u(int i) const { return (static_cast<double>(w[i]) + 0.5) * 0x1p-32; }
  // Uniform integer in [0, n) by multiply-shift (bias below 2^-32 * n).
  uint32_t below(int i, uint32_t n) const {
    return static_cast<uint32_t>((static_cast<uint64_t>(w[i]) * n) >> 32);
  }
};

class Stream {
 public:
  explicit Stream(uint64_t seed)
      : key_{{static_cast<uint32_t>(seed), static_cast<uint32_t>(seed >> 32)}} {}

  Draw draw(uint64_t who, uint64_t when, Purpose why) const {
    return Draw{philox4x32_10(
        {static_cast<uint32_t>(who), static_cast<uint32_t>(who >> 32), static_cast<uint32_t>(when),
         static_cast<uint32_t>(why) ^ (static_cast<uint32_t>(when >> 32) << 8)},
        key_)};
  }

  // The words of draw(who[i], when, why) for every i into w0[i]..w3[i], several at a time.
  void draw_many(std::span<const uint32_t> who, uint64_t when, Purpose why, uint32_t* w0,
                 uint32_t* w1, uint32_t* w2, uint32_t* w3,
                 VectorUnit unit = widest_vector_unit()) const {
    philox4x32_10_many(who.data(), who.size(), 0, static_cast<uint32_t>(when),
                       static_cast<uint32_t>(why) ^ (static_cast<uint32_t>(when >> 32) << 8), key_,
                       w0, w1, w2, w3, unit);
  }

  uint64_t seed() const {
    return static_cast<uint64_t>(key_[0]) | (static_cast<uint64_t>(key_[1]) << 32);
  }

 private:
  std::array<uint32_t, 2> key_;
};

// Steps until the next event of a process with per-step probability 1 - exp(-rate_dt):
// geometric on {1, 2, ...}, sampled exactly by inversion from one uniform.
inline int64_t geometric_steps(double u, double rate_dt) {
  if (rate_dt <= 0.0) return INT64_MAX;
  const double k = std::floor(-std::log(u) / rate_dt);
  if (k > 1e15) return INT64_MAX;
  return 1 + static_cast<int64_t>(k);
}

// geometric_steps for one rate without the logarithm for most draws: (0, 1) is cut into
// kCells equal cells, and a cell holds the steps that every u in it gives, or 0 where they may
// differ (a quantile of the distribution falls inside the cell or too near its ends to be
// sure), and the logarithm decides. The same steps as geometric_steps for every u: a cell is
// kept only when the computed values at both its ends lie in one interval [j, j + 1) with a
// margin far wider than the few ulps by which the computed value can stray from the true one,
// which is monotone in u.
class GeometricTable {
 public:
  static constexpr int kCells = 1024;
  explicit GeometricTable(double rate_dt) : rate_dt_(rate_dt) {
    const auto x = [rate_dt](double u) { return -std::log(u) / rate_dt; };
    for (int i = 1; i < kCells; ++i) {  // (cell 0 reaches u = 0: always the logarithm)
      const double hi = x(static_cast<double>(i) / kCells);
      const double lo = x(static_cast<double>(i + 1) / kCells);
      const double j = std::floor(lo), margin = 1e-9 * (1 + hi);
      if (rate_dt > 0 && std::floor(hi) == j && lo - j > margin && j + 1 - hi > margin && j < 65534)
        cells_[static_cast<size_t>(i)] = static_cast<uint16_t>(1 + j);
    }
  }
  double rate_dt() const { return rate_dt_; }
  // Cells that answer without the logarithm.
  int held() const {
    int n = 0;
    for (const uint16_t k : cells_) n += k > 0;
    return n;
  }
  // geometric_steps(u, rate_dt()) for u in (0, 1].
  int64_t steps(double u) const {
    const uint16_t k = cells_[static_cast<size_t>(u * kCells) & (kCells - 1)];
    return k > 0 ? k : geometric_steps(u, rate_dt_);
  }

 private:
  double rate_dt_;
  std::array<uint16_t, kCells> cells_{};
};

}  // namespace marrow
