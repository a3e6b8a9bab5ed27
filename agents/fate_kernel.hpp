#pragma once
// One kernel serves every cell type: at an agent's event it draws which transition happens
// (death, quiescence entry or exit, division), applies the division fate, places daughters and
// schedules the next event. It writes only the agent's block and that block's halo of
// `division_reach` sites (one site unless a division pushes its daughter further).
#include <array>
#include <cmath>
#include <cstdint>
#include <memory>
#include <span>
#include <unordered_map>
#include <vector>

#include "agents/agent_store.hpp"
#include "agents/lineage_graph.hpp"
#include "core/block_grid.hpp"
#include "core/lattice.hpp"
#include "core/random.hpp"

namespace marrow {

class FateKernel {
 public:
  FateKernel(const LineageGraph& graph, Lattice& lattice, const BlockGrid& grid,
             std::span<const uint8_t> niche, Stream stream, double dt_hours);

  // How far a dividing cell can push a daughter when no neighbour is free: the daughter takes
  // the nearest free site reachable through occupied marrow within `reach` steps (1: only free
  // neighbours; a division without one waits). The block grid's edge must be >= 2 * reach.
  // A type's own division_reach, when set, replaces it for that type.
  void set_division_reach(int reach) { reach_ = reach; }
  int division_reach(int type) const {
    const int own = graph_.type(type).division_reach;
    return own > 0 ? own : reach_;
  }

  // The chemoattractant field (per padded site) that biases migration; empty for none.
  void set_chemoattractant(std::span<const float> field) { chemoattractant_ = field; }

  // Handles the due event of `slot` in block `b` at `step`.
  void event(AgentBlock& block, int b, uint32_t slot, int64_t step) {
    const SiteId site = block.site[slot];
    event(block, b, slot, step, stream_.draw(site, static_cast<uint64_t>(step), Purpose::kEvent),
          stream_.draw(site, static_cast<uint64_t>(step), Purpose::kDaughter));
  }
  // The same with the event's draws made beforehand: `d` of (site, step, kEvent), `dd` of
  // (site, step, kDaughter) at the agent's site (which only its own event changes).
  void event(AgentBlock& block, int b, uint32_t slot, int64_t step, const Draw& d, const Draw& dd);

  // The draws of the events of a block's due agents (`due`, slots of `block` at `step`), made
  // together, several at a time on the processor's vector unit: the same words as one by one.
  struct EventDraws {
    std::vector<uint32_t> site, w[8];
    Draw event(size_t i) const { return Draw{{w[0][i], w[1][i], w[2][i], w[3][i]}}; }
    Draw daughter(size_t i) const { return Draw{{w[4][i], w[5][i], w[6][i], w[7][i]}}; }
  };
  void draw_events(const AgentBlock& block, std::span<const uint32_t> due, int64_t step,
                   EventDraws& out) const;

  // Step of the next event of an agent in the given state, from a uniform u. A division waiting
  // for room is retried at the division rate.
  int64_t next_event(int type, bool quiescent, SiteId site, int64_t step, double u,
                     bool waiting = false) const;

  // A type's rates, with the tables of its waits in each state (cycling, quiescent, waiting;
  // null: the logarithm decides).
  struct Rates : TypeRates {
    std::array<const GeometricTable*, 3> wait{};
  };
  const Rates& rates(int type, SiteId site) const {
    if (!niche_[site]) return off_niche_[type];
    const SiteVector<uint8_t>& level = level_[type];
    if (seeks_[type])
      return stem_[type][stem_level_[site] * kLevels + (level.empty() ? kLevels - 1 : level[site])];
    return level.empty() ? in_niche_[type] : blended_[type][level[site]];
  }

  // Levels of niche response per padded site for a type with a niche signal: 0 (off-niche
  // rates) to kLevels - 1 (in-niche rates), linear in between.
  static constexpr int kLevels = 16;
  void set_signal_levels(int type, SiteVector<uint8_t> levels);

  // Regenerative recruitment, per type: quiescence exit multiplied, and entry divided, by the
  // type's activation a (>= 1; 1 is the configured rates), and a share boost * (1 - 1/a) of
  // the differentiating divisions turned into self-renewing ones (regulated self-renewal,
  // Marciniak-Czochra 2009 Stem Cells Dev 18:377). Types that seek a niche ignore `a`: on a
  // niche site they take the activation of the site (set_stem_activation), off a niche none.
  void set_activation(const std::vector<double>& a);
  // Activation of stem cells on each niche site, per padded site, as a level k of
  // kStemLevels: a = cap^(k / (kStemLevels - 1)). Sensed from the niche vacancy around the
  // site; the vector must outlive the kernel's use of it.
  static constexpr int kStemLevels = 32;
  void set_stem_activation(std::span<const uint8_t> level, double cap);
  static double stem_activation(int level, double cap) {
    return std::pow(cap, static_cast<double>(level) / (kStemLevels - 1));
  }
  // The renewal boost of progenitors, and that of stem cells on niche sites.
  void set_renewal_boost(double boost, double stem_boost) {
    boost_ = boost;
    stem_boost_ = stem_boost;
    std::vector<double> a;
    a.swap(activation_);
    set_activation(a);  // every type again, with these boosts
  }
  // The largest activation of any type.
  double activation() const;

  // Sums and clears the hand-offs of all blocks, in block order.
  std::vector<int64_t> take_handoffs();
  int64_t stalled_divisions() const;
  // Events handled (deaths, quiescence changes, migrations, divisions).
  int64_t events() const;

 private:
  // The migration rate of an agent: a quiescent cell stays put unless its type seeks a niche.
  // An HSC out of a niche searches for one in G0: HSCs leave their niches, circulate and home
  // without dividing (Bhattacharya 2006 J Exp Med 203:73; Wright 2001 Science 294:1933).
  double moving(int type, bool quiescent, const TypeRates& r) const {
    return quiescent && !seeks_[type] ? 0.0 : r.migration;
  }
  // The rate of all of an agent's events in a state: 0 cycling, 1 quiescent, 2 waiting.
  double total(int type, int state, const TypeRates& r) const {
    return state == 1   ? r.quiescence_exit + r.death + moving(type, true, r)
           : state == 2 ? r.division + r.death + r.migration
                        : r.division + r.death + r.quiescence_entry + r.migration;
  }
  // Fills r.wait with the tables of its rates, shared by every entry with the same rate. At most
  // kMaxTables are built: rates that keep changing (an activation that moves every step with
  // quiescence rates it scales) fall back to the logarithm once they are spent.
  void attach_waits(int type, Rates& r);
  static constexpr size_t kMaxTables = 256;
  std::unordered_map<double, std::unique_ptr<const GeometricTable>> wait_tables_;
  void migrate(AgentBlock& block, int b, uint32_t slot, int64_t step, const Draw& d);
  // A uniformly chosen free neighbour (index into the lattice's offsets), or -1. Working niche
  // sites hold stem cells only: they count as free for a `stem` cell alone.
  int free_neighbour(SiteId site, uint32_t word, bool stem) const;
  // For a daughter of a type that seeks a niche: a uniformly chosen free neighbour with
  // working niche support if there is one, else any free neighbour, or -1.
  int niche_neighbour(SiteId site, uint32_t word) const;
  // A uniformly chosen free neighbour with working niche support, or -1.
  int free_niche_neighbour(SiteId site, uint32_t word) const;
  // A free neighbour chosen with weight exp(chi * (c_neighbour - c_here)), or -1.
  int uphill_neighbour(SiteId site, double chi, double u, bool stem) const;
  // Whether the neighbour `offset` of `site` lies in block b (inline: every move and birth asks).
  bool in_block(int b, SiteId site, int offset) const {
    const Coord c = lattice_.coord(site);
    const Coord o = lattice_.offsets()[offset];
    return grid_.box(b).contains(Coord{c.x + o.x, c.y + o.y, c.z + o.z});
  }
  // fate: 1 self-renewal, 2 asymmetric, 3 differentiation.
  void divide(AgentBlock& block, int b, uint32_t slot, int64_t step, int fate, const Draw& d,
              const Draw& dd);

  const LineageGraph& graph_;
  Lattice& lattice_;
  int64_t moore2d_px_ = 0;  // the row stride on a 2D Moore lattice (core/moore2d.hpp), else 0
  const BlockGrid& grid_;
  std::span<const uint8_t> niche_;
  std::span<const float> chemoattractant_;
  std::vector<Rates> in_niche_, off_niche_;
  std::vector<SiteVector<uint8_t>> level_;   // per type; empty without a signal
  std::vector<std::vector<Rates>> blended_;  // per type, kLevels
  // Per type that seeks a niche: kStemLevels x kLevels rates (activation x niche signal).
  std::vector<std::vector<Rates>> stem_;
  std::vector<uint8_t> seeks_;
  std::span<const uint8_t> stem_level_;
  SiteVector<uint8_t> no_stem_level_;
  double stem_cap_ = 1;
  // Rebuilds the blended and stem-cell rates of type t (all types: -1).
  void blend(int t = -1);
  std::vector<double> activation_;
  double boost_ = 0, stem_boost_ = 0;
  int reach_ = 1;
  Stream stream_;
  double dt_;
  // Per block, on cache lines of its own (threads update blocks of one colour side by side):
  // events handled, stalled divisions, then the differentiated daughters handed to each
  // compartment since the last take.
  struct alignas(64) Line {
    int64_t v[8];
  };
  int64_t* tally(int b) { return tallies_[static_cast<size_t>(b) * lines_per_block_].v; }
  const int64_t* tally(int b) const {
    return tallies_[static_cast<size_t>(b) * lines_per_block_].v;
  }
  static constexpr int kEvents = 0, kStalled = 1, kHandoff = 2;
  size_t lines_per_block_;
  // Zero until written: a rank writes only the lines of its own blocks (core/site_vector.hpp).
  std::vector<Line, SiteAllocator<Line>> tallies_;
};

}  // namespace marrow
