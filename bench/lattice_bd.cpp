#include "bench/lattice_bd.hpp"

#include <algorithm>
#include <array>
#include <chrono>
#include <cmath>
#include <span>
#include <stdexcept>
#include <vector>

#include "agents/agent_store.hpp"
#include "core/block_grid.hpp"
#include "core/lattice.hpp"
#include "core/moore2d.hpp"
#include "core/random.hpp"

namespace marrow::bench {
namespace {

constexpr double kDivide = 0.10, kDie = 0.08, kDifferentiate = 0.3;

class Kernel {
  struct Geometric {
    double inv_log_stay = 1.0 / std::log(1.0 - (kDivide + kDie));
    std::array<int16_t, 4096> by_top_bits{};  // the wait, or 0 where the cell is ambiguous
    Geometric() {
      for (uint32_t i = 0; i < 4096; ++i) {
        const auto k = [&](double u) {
          return 1 + static_cast<int64_t>(std::log(u) * inv_log_stay);
        };
        const int64_t lo = k((i + 1) / 4096.0 - 0x1p-33), hi = k(i / 4096.0 + 0x1p-33);
        by_top_bits[i] = lo == hi && lo < 30000 ? static_cast<int16_t>(lo) : 0;
      }
    }
  };
  static const Geometric& geometric() {
    static const Geometric g;
    return g;
  }

 public:
  Kernel(Lattice& lattice, const BlockGrid& grid, Stream stream)
      : lattice_(lattice),
        grid_(grid),
        stream_(stream),
        deltas_(lattice.deltas().begin(), lattice.deltas().end()),
        moore2d_px_(moore2d::kAvailable && kFree == 0 && lattice.dim() == 2 && deltas_.size() == 8
                        ? deltas_[6]
                        : 0),
        events_(static_cast<size_t>(grid.count())) {}

  // Each step an agent has an event with probability 0.18, so the steps to its next one are
  // geometric: drawn once, instead of a draw per agent per step. Inverting the distribution
  // costs a logarithm; a table over the top 12 bits of the uniform gives the answer directly
  // wherever no quantile boundary falls inside the table cell (all but a few percent of draws).
  static int64_t wait(uint32_t w) { return wait(geometric(), w); }
  static int64_t wait(const Geometric& g, uint32_t w) {
    const int16_t k = g.by_top_bits[w >> 20];
    if (k > 0) return k;
    return 1 + static_cast<int64_t>(std::log((static_cast<double>(w) + 0.5) * 0x1p-32) *
                                    g.inv_log_stay);
  }

  // The block's events of this step. The draws of all its due agents are made first, several
  // at a time on the processor's vector unit (an event changes no other agent's site, and
  // newborns are never due in their step of birth).
  void drain(AgentBlock& block, int b, int64_t step) {
    const std::span<const uint32_t> due = block.take_due(step);
    thread_local std::vector<uint32_t> sites, words[4];
    const size_t n = due.size();
    sites.resize(n);
    for (auto& w : words) w.resize(n);
    for (size_t i = 0; i < n; ++i) sites[i] = block.site[due[i]];
    stream_.draw_many(sites, static_cast<uint64_t>(step), Purpose::kBench, words[0].data(),
                      words[1].data(), words[2].data(), words[3].data());
    events_[static_cast<size_t>(b)].n += static_cast<int64_t>(n);
    // The occupancy around an agent a few events ahead is fetched while this one runs: in a
    // block, a step's first touch of a row is a miss in the core's own caches.
    const uint8_t* occ = lattice_.occupancy().data();
    constexpr size_t kAhead = 8;
    for (size_t i = 0; i < n; ++i) {
      if (i + kAhead < n) {
        const SiteId ahead = sites[i + kAhead];
        __builtin_prefetch(occ + ahead + deltas_[2]);
        __builtin_prefetch(occ + ahead);
        __builtin_prefetch(occ + ahead + deltas_[6]);
      }
      event(block, b, due[i], sites[i], step,
            Draw{{words[0][i], words[1][i], words[2][i], words[3][i]}});
    }
  }

  void event(AgentBlock& block, int b, uint32_t slot, SiteId site, int64_t step, const Draw& d) {
    auto& occ = lattice_.occupancy();
    if (d.w[0] >= death_from_) {  // death
      occ[site] = kFree;
      block.remove(slot);
      return;
    }
    block.reschedule(slot, step + wait(geometric_, d.w[3]));
    // Word 1: its high half picks the site, its low half the daughter's type.
    int k;
    if (moore2d_px_ > 0) {  // kFree is 0
      k = moore2d::pick16(moore2d::zero_mask(occ.data(), site, moore2d_px_), d.w[1] >> 16);
      if (k < 0) return;
    } else {
      uint8_t free_k[26];
      int n = 0;
      for (int j = 0; j < static_cast<int>(deltas_.size()); ++j) {  // branch-free
        free_k[n] = static_cast<uint8_t>(j);
        n += occ[site + deltas_[j]] == kFree;
      }
      if (n == 0) return;
      k = free_k[((d.w[1] >> 16) * static_cast<uint32_t>(n)) >> 16];
    }
    const SiteId to = static_cast<SiteId>(site + deltas_[k]);
    occ[to] = kOccupied;
    AgentRecord a;
    a.site = to;
    a.type = (d.w[1] & 0xFFFF) < static_cast<uint32_t>(kDifferentiate * 65536)
                 ? static_cast<uint8_t>(std::min(block.type[slot] + 1, 3))
                 : block.type[slot];
    a.clone = block.clone[slot];
    a.next_step = static_cast<int32_t>(step + wait(geometric_, d.w[2]));
    if (grid_.box(b).contains(lattice_.coord(to)))
      block.add(a);
    else
      block.outbox.push_back(a);
  }

  int64_t events() const {
    int64_t n = 0;
    for (const Count& e : events_) n += e.n;
    return n;
  }

 private:
  // The least word w with u(w) * (kDivide + kDie) >= kDivide, found with that very expression
  // (so the integer comparison agrees with it for every word).
  static uint32_t death_from() {
    uint32_t lo = 0, hi = UINT32_MAX;
    const auto dies = [](uint32_t w) {
      return Draw{{w, 0, 0, 0}}.u(0) * (kDivide + kDie) >= kDivide;
    };
    while (lo < hi) {
      const uint32_t mid = lo + (hi - lo) / 2;
      if (dies(mid))
        hi = mid;
      else
        lo = mid + 1;
    }
    return lo;
  }
  const Geometric& geometric_ = geometric();
  const uint32_t death_from_ = death_from();
  Lattice& lattice_;
  const BlockGrid& grid_;
  Stream stream_;
  std::vector<int64_t> deltas_;
  int64_t moore2d_px_;        // the row stride on a 2D Moore lattice (core/moore2d.hpp), else 0
  struct alignas(64) Count {  // a cache line per block: threads count side by side
    int64_t n = 0;
  };
  std::vector<Count> events_;
};

}  // namespace

LatticeBdResult run_lattice_bd(const LatticeBdConfig& cfg) {
  if (cfg.dim != 2 && cfg.dim != 3) throw std::invalid_argument("dim must be 2 or 3");
  if (cfg.size < 4) throw std::invalid_argument("size must be at least 4");
  const int L = cfg.size;
  Lattice lattice(L, L, cfg.dim == 3 ? L : 1, Neighbourhood::kMoore);
  const int edge = cfg.block > 0 ? cfg.block : cfg.dim == 3 ? 32 : 128;
  BlockGrid grid(lattice, edge);
  // An agent acts every 5.6 steps on average: each step the blocks scan their next-step columns
  // (window 0) rather than keep calendars (the same agents in the same order; 6-17 % faster
  // than a 16-step ring, bench/RESULTS.md).
  std::vector<AgentBlock> blocks;
  blocks.reserve(static_cast<size_t>(grid.count()));
  for (int b = 0; b < grid.count(); ++b) blocks.emplace_back(0);
  const Stream stream(cfg.seed);
  Kernel kernel(lattice, grid, stream);

  // The central square (cube): of side L/2, or holding cfg.agents.
  const int side = cfg.agents > 0
                       ? std::min<int>(L, static_cast<int>(std::ceil(std::pow(
                                              static_cast<double>(cfg.agents), 1.0 / cfg.dim))))
                       : L / 2;
  const int lo = (L - side) / 2;
  const int zlo = cfg.dim == 3 ? lo : 0, zhi = cfg.dim == 3 ? lo + side : 1;
  const int64_t target = cfg.agents > 0 ? cfg.agents : INT64_MAX;
  // Reserve each block's columns for its share of the start, so growth does not double them.
  std::vector<int64_t> share(static_cast<size_t>(grid.count()), 0);
  int64_t placed = 0;
  for (int z = zlo; z < zhi; ++z)
    for (int y = lo; y < lo + side; ++y)
      for (int x = lo; x < lo + side && placed < target; ++x, ++placed)
        ++share[static_cast<size_t>(grid.block_of({x, y, z}))];
  for (int b = 0; b < grid.count(); ++b) {
    const size_t n = static_cast<size_t>(share[static_cast<size_t>(b)] * 5 / 4 + 16);
    AgentBlock& blk = blocks[static_cast<size_t>(b)];
    blk.site.reserve(n);
    blk.type.reserve(n);
    blk.origin.reserve(n);
    blk.flags.reserve(n);
    blk.divisions.reserve(n);
    blk.clone.reserve(n);
    blk.next_step.reserve(n);
  }
  placed = 0;
  auto& occ = lattice.occupancy();
  for (int z = zlo; z < zhi; ++z)
    for (int y = lo; y < lo + side; ++y)
      for (int x = lo; x < lo + side && placed < target; ++x) {
        AgentRecord a;
        a.site = lattice.index(x, y, z);
        a.clone = static_cast<uint32_t>(placed++);
        a.next_step =
            static_cast<int32_t>(-1 + Kernel::wait(stream.draw(a.site, 0, Purpose::kInit).w[0]));
        occ[a.site] = kOccupied;
        blocks[static_cast<size_t>(grid.block_of({x, y, z}))].add(a);
      }

  LatticeBdResult r;
  const auto t0 = std::chrono::steady_clock::now();
  for (int64_t step = 0; step < cfg.steps; ++step) {
    for (const AgentBlock& b : blocks) r.updates += b.alive();
    colour_sweep(
        grid, [&](int b) { kernel.drain(blocks[static_cast<size_t>(b)], b, step); },
        worth_parallel(entries(blocks, step)));
    merge_outboxes(blocks, grid, lattice);
  }
  r.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  r.events = kernel.events();
  // An order-free checksum (a sum of mixed hashes), so no copy of the state is needed.
  uint64_t h = 0;
  for (const AgentBlock& b : blocks)
    for (uint32_t i = 0; i < b.slots(); ++i)
      if (b.type[i] != kDead) {
        ++r.final_agents;
        ++r.by_type[b.type[i]];
        uint64_t z = (uint64_t{b.site[i]} << 32) ^ (uint64_t{b.clone[i]} * 4) ^ b.type[i];
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
        h += z ^ (z >> 31);
      }
  r.checksum = h;
  return r;
}

}  // namespace marrow::bench
