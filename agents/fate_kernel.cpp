#include "agents/fate_kernel.hpp"

#include <algorithm>
#include <array>
#include <cmath>

#include "agents/room.hpp"
#include "core/moore2d.hpp"

namespace marrow {

FateKernel::FateKernel(const LineageGraph& graph, Lattice& lattice, const BlockGrid& grid,
                       std::span<const uint8_t> niche, Stream stream, double dt_hours)
    : graph_(graph),
      lattice_(lattice),
      grid_(grid),
      niche_(niche),
      stream_(stream),
      dt_(dt_hours),
      lines_per_block_((kHandoff + static_cast<size_t>(graph.compartment_count()) + 7) / 8),
      tallies_(lines_per_block_ * static_cast<size_t>(grid.count())) {
  level_.resize(static_cast<size_t>(graph.type_count()));
  blended_.resize(static_cast<size_t>(graph.type_count()));
  stem_.resize(static_cast<size_t>(graph.type_count()));
  for (const CellType& t : graph.types()) seeks_.push_back(t.seeks_niche ? 1 : 0);
  if (moore2d::kAvailable && kFree == 0 && lattice.dim() == 2 && lattice.deltas().size() == 8)
    moore2d_px_ = lattice.deltas()[6];
  no_stem_level_ = SiteVector<uint8_t>(niche.size());
  stem_level_ = no_stem_level_;
  set_activation(std::vector<double>(static_cast<size_t>(graph.type_count()), 1.0));
}

namespace {

void activate(TypeRates& r, double x, double boost, bool renew) {
  r.quiescence_exit *= x;
  r.quiescence_entry /= x;
  if (!renew) return;
  const double shift = boost * (1.0 - 1.0 / x) * r.fate.differentiation;
  r.fate.self_renewal += shift;
  r.fate.differentiation -= shift;
}

}  // namespace

void FateKernel::set_activation(const std::vector<double>& a) {
  if (a == activation_) return;
  const bool all = activation_.size() != a.size();
  in_niche_.resize(a.size());
  off_niche_.resize(a.size());
  for (int t = 0; t < graph_.type_count(); ++t) {
    if (!all && a[t] == activation_[t]) continue;  // (types that seek a niche: always)
    static_cast<TypeRates&>(in_niche_[t]) = graph_.type(t).in_niche;
    static_cast<TypeRates&>(off_niche_[t]) = graph_.type(t).off_niche;
    if (!seeks_[t]) {  // (those that seek a niche are activated by their site: stem_)
      activate(in_niche_[t], a[t], boost_, true);
      activate(off_niche_[t], a[t], boost_, true);
    }
    attach_waits(t, in_niche_[t]);
    attach_waits(t, off_niche_[t]);
    blend(t);
  }
  activation_ = a;
}

void FateKernel::attach_waits(int type, Rates& r) {
  for (int state = 0; state < 3; ++state) {
    const double rate_dt = total(type, state, r) * dt_;
    auto it = wait_tables_.find(rate_dt);
    if (it == wait_tables_.end() && rate_dt > 0 && wait_tables_.size() < kMaxTables)
      it = wait_tables_.emplace(rate_dt, std::make_unique<const GeometricTable>(rate_dt)).first;
    r.wait[static_cast<size_t>(state)] = it == wait_tables_.end() ? nullptr : it->second.get();
  }
}

void FateKernel::set_stem_activation(std::span<const uint8_t> level, double cap) {
  stem_level_ = level;
  if (cap != stem_cap_) {
    stem_cap_ = cap;
    blend();
  }
}

void FateKernel::set_signal_levels(int type, SiteVector<uint8_t> levels) {
  level_[type] = std::move(levels);
  blend();
}

void FateKernel::blend(int only) {
  for (int t = 0; t < graph_.type_count(); ++t) {
    if (only >= 0 && t != only) continue;
    blended_[t].clear();
    stem_[t].clear();
    if (level_[t].empty() && !seeks_[t]) continue;  // neither blended nor stem-cell rates
    const TypeRates& off = off_niche_[t];
    const TypeRates& in = in_niche_[t];
    for (int l = 0; l < kLevels; ++l) {
      const double w = static_cast<double>(l) / (kLevels - 1);
      auto mix = [w](double a, double b) { return w >= 1.0 ? b : (1.0 - w) * a + w * b; };
      Rates r;
      r.division = mix(off.division, in.division);
      r.death = mix(off.death, in.death);
      r.quiescence_entry = mix(off.quiescence_entry, in.quiescence_entry);
      r.quiescence_exit = mix(off.quiescence_exit, in.quiescence_exit);
      r.migration = mix(off.migration, in.migration);
      r.chemotaxis = mix(off.chemotaxis, in.chemotaxis);
      r.fate.self_renewal = mix(off.fate.self_renewal, in.fate.self_renewal);
      r.fate.asymmetric = mix(off.fate.asymmetric, in.fate.asymmetric);
      r.fate.differentiation = l == kLevels - 1 ? in.fate.differentiation
                                                : 1.0 - r.fate.self_renewal - r.fate.asymmetric;
      if (!level_[t].empty() && !seeks_[t]) attach_waits(t, r);
      blended_[t].push_back(r);
    }
    if (seeks_[t]) {
      for (int k = 0; k < kStemLevels; ++k)
        for (int l = 0; l < kLevels; ++l) {
          // (No tables of waits: stem cells have a small share of the events, and their
          // kStemLevels x kLevels rates would spend the tables.)
          Rates r = blended_[t][l];
          if (k > 0) activate(r, stem_activation(k, stem_cap_), stem_boost_, true);
          r.wait = {};
          stem_[t].push_back(r);
        }
    }
    if (level_[t].empty()) blended_[t].clear();
  }
}

double FateKernel::activation() const {
  double m = 1;
  for (int t = 0; t < graph_.type_count(); ++t)
    if (!seeks_[t]) m = std::max(m, activation_[t]);
  return m;
}

int64_t FateKernel::next_event(int type, bool quiescent, SiteId site, int64_t step, double u,
                               bool waiting) const {
  const Rates& r = rates(type, site);
  const int state = quiescent ? 1 : waiting ? 2 : 0;
  const GeometricTable* table = r.wait[static_cast<size_t>(state)];
  const int64_t wait =
      table != nullptr ? table->steps(u) : geometric_steps(u, total(type, state, r) * dt_);
  return wait >= kNeverStep - step ? kNever : step + wait;
}

void FateKernel::draw_events(const AgentBlock& block, std::span<const uint32_t> due, int64_t step,
                             EventDraws& out) const {
  const size_t n = due.size();
  out.site.resize(n);
  for (auto& w : out.w) w.resize(n);
  for (size_t i = 0; i < n; ++i) out.site[i] = block.site[due[i]];
  stream_.draw_many(out.site, static_cast<uint64_t>(step), Purpose::kEvent, out.w[0].data(),
                    out.w[1].data(), out.w[2].data(), out.w[3].data());
  stream_.draw_many(out.site, static_cast<uint64_t>(step), Purpose::kDaughter, out.w[4].data(),
                    out.w[5].data(), out.w[6].data(), out.w[7].data());
}

void FateKernel::event(AgentBlock& block, int b, uint32_t slot, int64_t step, const Draw& d,
                       const Draw& dd) {
  ++tally(b)[kEvents];
  const SiteId site = block.site[slot];
  const int type = block.type[slot];
  // A division copies the lineage columns to its daughter: fetched now, they arrive while the
  // fate is chosen and room is sought (they were the division's two largest stalls).
  __builtin_prefetch(&block.divisions[slot]);
  __builtin_prefetch(&block.clone[slot]);
  __builtin_prefetch(&block.origin[slot]);
  const TypeRates& r = rates(type, site);
  const bool quiescent = block.flags[slot] & kQuiescent;
  const int waiting = (block.flags[slot] & kPendingMask) >> kPendingShift;
  // Competing transitions, chosen by their current rates.
  // A quiescent cell may hold a division that found no room (a stem cell): it retries once it
  // has left G0.
  const double move = moving(type, quiescent, r);
  double x = d.u(0) * total(type, quiescent ? 1 : waiting ? 2 : 0, r);
  if (x < r.death) {
    lattice_.occupancy()[site] = kFree;
    block.remove(slot);
    return;
  }
  x -= r.death;
  if (x < move) {
    migrate(block, b, slot, step, d);
    return;
  }
  x -= move;
  if (quiescent && waiting) {
    block.flags[slot] ^= kQuiescent;
    block.reschedule(slot, next_event(type, false, site, step, d.u(3), true));
    return;
  }
  if (waiting) {
    divide(block, b, slot, step, waiting, d, dd);
    return;
  }
  if (quiescent || x < r.quiescence_entry) {
    block.flags[slot] ^= kQuiescent;
    block.reschedule(slot, next_event(type, !quiescent, site, step, d.u(3)));
    return;
  }
  const FateProbabilities& f = r.fate;
  const double u = d.u(1);
  divide(block, b, slot, step,
         u < f.self_renewal                  ? 1
         : u < f.self_renewal + f.asymmetric ? 2
                                             : 3,
         d, dd);
}

int FateKernel::free_neighbour(SiteId site, uint32_t word, bool stem) const {
  if (moore2d_px_ > 0) {  // kFree is 0; working niche sites (byte 1) are open to stem cells alone
    const uint32_t free = moore2d::zero_mask(lattice_.occupancy().data(), site, moore2d_px_);
    const uint32_t open = stem ? 0xFF : ~moore2d::equal_mask(niche_.data(), site, moore2d_px_, 1);
    return moore2d::pick(free & open & 0xFF, word);
  }
  std::array<uint8_t, 26> free_k;
  int n = 0;
  const auto& occ = lattice_.occupancy();
  const auto deltas = lattice_.deltas();
  const uint8_t* niche = niche_.data();
  const uint8_t open = stem ? 1 : 0;
  for (int k = 0; k < static_cast<int>(deltas.size()); ++k) {  // branch-free
    const SiteId t = static_cast<SiteId>(site + deltas[k]);
    free_k[n] = static_cast<uint8_t>(k);
    n += (occ[t] == kFree) & ((niche[t] ^ 1) | open);
  }
  if (n == 0) return -1;
  return free_k[(static_cast<uint64_t>(word) * static_cast<uint32_t>(n)) >> 32];
}

int FateKernel::free_niche_neighbour(SiteId site, uint32_t word) const {
  if (moore2d_px_ > 0)
    return moore2d::pick(moore2d::zero_mask(lattice_.occupancy().data(), site, moore2d_px_) &
                             ~moore2d::zero_mask(niche_.data(), site, moore2d_px_) & 0xFF,
                         word);
  std::array<uint8_t, 26> niche_k;
  int n = 0;
  const auto& occ = lattice_.occupancy();
  const auto deltas = lattice_.deltas();
  for (int k = 0; k < static_cast<int>(deltas.size()); ++k) {
    const SiteId t = static_cast<SiteId>(site + deltas[k]);
    niche_k[n] = static_cast<uint8_t>(k);
    n += occ[t] == kFree && niche_[t];
  }
  if (n == 0) return -1;
  return niche_k[(static_cast<uint64_t>(word) * static_cast<uint32_t>(n)) >> 32];
}

int FateKernel::niche_neighbour(SiteId site, uint32_t word) const {
  const int k = free_niche_neighbour(site, word);
  return k >= 0 ? k : free_neighbour(site, word, true);
}

int FateKernel::uphill_neighbour(SiteId site, double chi, double u, bool stem) const {
  const auto& occ = lattice_.occupancy();
  const auto deltas = lattice_.deltas();
  std::array<double, 26> cumulative;
  std::array<uint8_t, 26> which;
  int n = 0;
  double total = 0;
  const double here = chemoattractant_[site];
  for (int k = 0; k < static_cast<int>(deltas.size()); ++k) {
    const SiteId t = static_cast<SiteId>(site + deltas[k]);
    if (occ[t] != kFree || (!stem && niche_[t])) continue;
    total += std::exp(chi * (chemoattractant_[t] - here));
    cumulative[n] = total;
    which[n++] = static_cast<uint8_t>(k);
  }
  if (n == 0) return -1;
  const double x = u * total;
  for (int i = 0; i < n - 1; ++i)
    if (x < cumulative[i]) return which[i];
  return which[n - 1];
}

void FateKernel::migrate(AgentBlock& block, int b, uint32_t slot, int64_t step, const Draw& d) {
  const SiteId site = block.site[slot];
  const bool waiting = block.flags[slot] & kPendingMask;
  const bool quiescent = block.flags[slot] & kQuiescent;
  const double chi = rates(block.type[slot], site).chemotaxis;
  const bool stem = seeks_[block.type[slot]];
  const int k = chi != 0 && !chemoattractant_.empty() ? uphill_neighbour(site, chi, d.u(2), stem)
                                                      : free_neighbour(site, d.w[2], stem);
  if (k >= 0) {
    const SiteId to = static_cast<SiteId>(site + lattice_.deltas()[k]);
    auto& occ = lattice_.occupancy();
    occ[site] = kFree;
    occ[to] = kOccupied;
    block.site[slot] = to;
    const int64_t when = next_event(block.type[slot], quiescent, to, step, d.u(3), waiting);
    if (!in_block(b, site, k)) {
      AgentRecord a = block.record(slot);
      a.next_step = when >= kNeverStep ? kNeverStep : static_cast<int32_t>(when);
      block.remove(slot);
      block.outbox.push_back(a);
      return;
    }
    block.reschedule(slot, when);
    return;
  }
  block.reschedule(slot, next_event(block.type[slot], quiescent, site, step, d.u(3), waiting));
}

void FateKernel::divide(AgentBlock& block, int b, uint32_t slot, int64_t step, int fate,
                        const Draw& d, const Draw& dd) {
  const SiteId site = block.site[slot];
  const int type = block.type[slot];
  Target first = static_cast<Target>(type), second = static_cast<Target>(type);
  if (fate >= 2) second = graph_.choose_target(type, dd.u(0));
  if (fate == 3) first = graph_.choose_target(type, d.u(3));
  const bool first_agent = !graph_.is_compartment(first);
  const bool second_agent = !graph_.is_compartment(second);
  if (!first_agent && second_agent) std::swap(first, second);

  auto& occ = lattice_.occupancy();
  SiteId second_site = 0;  // 0 (padding): no second agent
  int second_offset = -1;
  bool second_inside = true;
  if (first_agent && second_agent) {
    // The second daughter needs a free neighbouring site; without one the division waits.
    // Stromal niche cells hold stem cells: a stem daughter takes a free niche site beside its
    // mother when there is one, and other daughters never take a working niche site.
    const bool stem = seeks_[second];
    second_offset = stem ? niche_neighbour(site, d.w[2]) : free_neighbour(site, d.w[2], false);
    if (second_offset >= 0) {
      second_site = static_cast<SiteId>(site + lattice_.deltas()[second_offset]);
      second_inside = in_block(b, site, second_offset);
    } else if (const int reach = division_reach(type); reach > 1) {
      second_site = nearest_room(lattice_, niche_.data(), site, reach, stem, dd.w[2]).site;
      if (second_site != 0) second_inside = grid_.box(b).contains(lattice_.coord(second_site));
    }
    if (second_site == 0 && fate == 2 && seeks_[type] && niche_[site]) {
      // No room in the marrow for the committed daughter of a niche stem cell, but a free niche
      // beside it: the daughter is held by the niche and stays a stem cell (a daughter's fate
      // follows its position with respect to the niche: Morrison & Kimble 2006 Nature
      // 441:1068).
      second_offset = free_niche_neighbour(site, dd.w[3]);
      if (second_offset >= 0) {
        second = static_cast<Target>(type);
        second_site = static_cast<SiteId>(site + lattice_.deltas()[second_offset]);
        second_inside = in_block(b, site, second_offset);
      }
    }
    if (second_site == 0) {
      // The division waits, with its fate, and is retried at the division rate. A stem cell
      // waits in G0 and retries when it next leaves it: crowding holds stem cells in
      // quiescence (contact inhibition; model assumption, in place of a division held ready in
      // the cycle). The fate is kept either way, so crowding favours no fate.
      ++tally(b)[kStalled];
      const bool stem = seeks_[type];
      block.flags[slot] = static_cast<uint8_t>((block.flags[slot] & ~kPendingMask & ~kQuiescent) |
                                               (fate << kPendingShift) | (stem ? kQuiescent : 0));
      block.reschedule(slot, next_event(type, stem, site, step, dd.u(1), true));
      return;
    }
  }
  int64_t* handoff = tally(b) + kHandoff;
  if (graph_.is_compartment(first)) ++handoff[graph_.compartment_of(first)];
  if (graph_.is_compartment(second)) ++handoff[graph_.compartment_of(second)];

  if (!first_agent && !second_agent) {
    occ[site] = kFree;
    block.remove(slot);
    return;
  }
  const uint16_t divisions =
      block.divisions[slot] == UINT16_MAX ? UINT16_MAX : block.divisions[slot] + 1;
  block.type[slot] = static_cast<uint8_t>(first);
  block.divisions[slot] = divisions;
  block.flags[slot] &= static_cast<uint8_t>(~kQuiescent & ~kPendingMask);
  block.reschedule(slot, next_event(first, false, site, step, dd.u(1)));
  if (second_site == 0) return;

  occ[second_site] = kOccupied;
  const Draw ds = stream_.draw(second_site, static_cast<uint64_t>(step), Purpose::kPlacement);
  AgentRecord daughter{second_site,        static_cast<uint8_t>(second),
                       block.origin[slot], static_cast<uint8_t>(block.flags[slot] & kGeneModified),
                       divisions,          block.clone[slot],
                       kNeverStep};
  const int64_t when = next_event(second, false, second_site, step, ds.u(0));
  daughter.next_step = when >= kNeverStep ? kNeverStep : static_cast<int32_t>(when);
  if (second_inside)
    block.add(daughter);
  else
    block.outbox.push_back(daughter);
}

std::vector<int64_t> FateKernel::take_handoffs() {
  std::vector<int64_t> total(static_cast<size_t>(graph_.compartment_count()), 0);
  for (int b = 0; b < grid_.count(); ++b) {
    int64_t* h = tally(b) + kHandoff;
    for (size_t c = 0; c < total.size(); ++c) {
      if (h[c] == 0) continue;  // (another rank's block is never written)
      total[c] += h[c];
      h[c] = 0;
    }
  }
  return total;
}

int64_t FateKernel::events() const {
  int64_t n = 0;
  for (int b = 0; b < grid_.count(); ++b) n += tally(b)[kEvents];
  return n;
}

int64_t FateKernel::stalled_divisions() const {
  int64_t n = 0;
  for (int b = 0; b < grid_.count(); ++b) n += tally(b)[kStalled];
  return n;
}

}  // namespace marrow
