#include "model/simulation.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <stdexcept>

#include "core/comm.hpp"
#include "core/parallel.hpp"
#include "core/random.hpp"

namespace marrow {
namespace {

Lattice make_lattice(const LatticeConfig& c) {
  // Distributed, each rank holds the sites of its slab of blocks (SiteWindow).
  return Lattice(c.nx, c.ny, c.nz, c.neighbourhood, c.block);
}

}  // namespace

Simulation::Simulation(const Scenario& scenario)
    : scenario_(scenario),
      lattice_(make_lattice(scenario.lattice)),
      geometry_(generate_geometry(lattice_, scenario.geometry)),
      domain_(lattice_, scenario.lattice.block, scenario.lattice.calendar_window) {
  apply_geometry(geometry_, lattice_);
  const SiteWindow& w = lattice_.window();
  niche_now_ = copy_window(geometry_.supportive, w.lo, w.hi);
  {
    // Each niche patch fails when stromal health falls below its own threshold, so the share of
    // working niches follows the health; a patch's sites share one stromal cell network.
    const Stream st(scenario.geometry.seed);
    niche_threshold_ = SiteVector<float>(niche_now_.size());
    for (SiteId s = w.lo; s < w.hi; ++s)
      if (geometry_.kind[s] == kMarrow && geometry_.supportive[s])
        niche_threshold_[s] = static_cast<float>(
            st.draw(niche_patch(lattice_, scenario.geometry, s), 0, Purpose::kStroma).u(0));
    // The sets every rank knows whole, each rank adding the sites of its slab.
    SiteBits vessel(lattice_.padded_sites()), open(lattice_.padded_sites());
    const auto deltas = lattice_.deltas();
    for (SiteId s = w.lo; s < w.hi; ++s) {
      if (geometry_.kind[s] != kMarrow) continue;
      if (geometry_.supportive[s]) niche_sites_.push_back(s);
      if (!w.owns(s)) continue;
      if (!geometry_.supportive[s]) open.set(s);
      bool by_vessel = false;
      for (const auto d : deltas) by_vessel |= geometry_.kind[s + d] == kSinusoid;
      if (by_vessel) vessel.set(s);
    }
    vessel.merge();
    open.merge();
    vessel_adjacent_ = SiteSet(std::move(vessel));
    marrow_sites_ = SiteSet(std::move(open));
    own_niches_ = {
        static_cast<size_t>(std::lower_bound(niche_sites_.begin(), niche_sites_.end(), w.own_lo) -
                            niche_sites_.begin()),
        static_cast<size_t>(std::lower_bound(niche_sites_.begin(), niche_sites_.end(), w.own_hi) -
                            niche_sites_.begin())};
  }
  {
    // Tiles of niche_sensing_um over which stem cells sense niche vacancy.
    const int edge =
        std::max(1, static_cast<int>(std::lround(scenario.treatment.regeneration.niche_sensing_um /
                                                 scenario.lattice.site_um)));
    const int tx = (lattice_.nx() + edge - 1) / edge, ty = (lattice_.ny() + edge - 1) / edge;
    for (const SiteId s : niche_sites_) {
      const Coord c = lattice_.coord(s);
      niche_tile_.push_back((c.z / edge * ty + c.y / edge) * tx + c.x / edge);
    }
    const int tz = (lattice_.nz() + edge - 1) / edge;
    tiles_ = {tx, ty, tz};
    // Tiles in a row along the slabs' axis (y in 2D, z in 3D).
    const int64_t per_row = lattice_.dim() == 3 ? int64_t{tx} * ty : tx;
    for (size_t i = own_niches_[0]; i < own_niches_[1]; ++i)
      if (i == own_niches_[0] || niche_tile_[i] / per_row != niche_tile_[i - 1] / per_row)
        niche_rows_.push_back(i);
    niche_rows_.push_back(own_niches_[1]);
    tile_work_.assign(static_cast<size_t>(tx) * ty * tz, 0);
    own_tile_work_.assign(tile_work_.size(), 0);
    tile_held_.assign(tile_work_.size(), 0);
    area_work_.assign(tile_work_.size(), 0);
    area_held_.assign(tile_work_.size(), 0);
    tile_level_.assign(tile_work_.size(), 0);
    sensed_tiles_ = niche_tile_;  // the tiles whose level a niche site reads
    std::sort(sensed_tiles_.begin(), sensed_tiles_.end());
    sensed_tiles_.erase(std::unique(sensed_tiles_.begin(), sensed_tiles_.end()),
                        sensed_tiles_.end());
    stem_level_ = SiteVector<uint8_t>(niche_now_.size());
    niche_state_.assign(niche_sites_.size(), 0);
    niche_level_.assign(niche_sites_.size(), 0);
    if (comm::size() > 1) {
      // The tile rows (along the slabs' axis) whose counts a rank reads and another rank adds
      // to: only those are summed over the ranks each step.
      const int n = lattice_.rows(), ranks = comm::size(), halo = lattice_.halo_rows();
      const int rows = (n + edge - 1) / edge;
      std::vector<int> sole(static_cast<size_t>(rows), -1);  // the one contributor, or -2: several
      std::vector<std::vector<int>> readers(static_cast<size_t>(rows));
      for (int r = 0; r < ranks; ++r) {
        const auto [first, last] = lattice_.slab_rows(scenario.lattice.block, r, ranks);
        if (first >= last) continue;
        for (int u = first / edge; u <= (last - 1) / edge; ++u) {
          int& c = sole[static_cast<size_t>(u)];
          c = c == -1 || c == r ? r : -2;
        }
        const int lo = std::max(0, first - halo) / edge - 1,
                  hi = (std::min(n, last + halo) - 1) / edge + 1;
        for (int u = std::max(0, lo); u <= std::min(rows - 1, hi); ++u)
          readers[static_cast<size_t>(u)].push_back(r);
      }
      for (int u = 0; u < rows; ++u) {
        const int c = sole[static_cast<size_t>(u)];
        bool summed = c == -2;
        for (const int r : readers[static_cast<size_t>(u)]) summed |= c >= 0 && r != c;
        if (!summed) continue;
        for (int64_t k = 0; k < per_row; ++k)
          shared_tiles_.push_back(static_cast<int32_t>(u * per_row + k));
      }
    }
  }
  kernel_ = std::make_unique<FateKernel>(scenario_.graph, lattice_, domain_.grid(), niche_now_,
                                         Stream(scenario.run.seed), scenario.run.dt_hours);
  kernel_->set_renewal_boost(scenario.treatment.regeneration.renewal_boost,
                             scenario.treatment.regeneration.stem_renewal_boost);
  kernel_->set_stem_activation(stem_level_, scenario.treatment.regeneration.cap);
  kernel_->set_division_reach(scenario.lattice.division_reach);
  const LineageGraph& g = scenario_.graph;
  hsc_type_ = g.type_index(scenario.organism.hsc_type);
  if (hsc_type_ < 0)
    throw std::invalid_argument("organism.hsc_type names no cell type: " +
                                scenario.organism.hsc_type);
  for (const CellType& t : g.types()) {
    auto it = std::find(lineages_.begin(), lineages_.end(), t.lineage);
    if (it == lineages_.end()) it = lineages_.insert(lineages_.end(), t.lineage);
    lineage_of_type_.push_back(static_cast<int>(it - lineages_.begin()));
  }
  const double hsc_initial = static_cast<double>(g.type(hsc_type_).initial);
  if (hsc_initial <= 0) throw std::invalid_argument("the stem type needs an initial count > 0");
  blood_ = BloodSystem(scenario.maturation, scenario.blood,
                       hsc_initial / scenario.organism.hsc_total, scenario.organism.blood_volume_l,
                       scenario.organism.mch_pg, scenario.run.dt_hours);
  treatment_ = Treatment(scenario.treatment, g.type_count(), g.compartment_count(),
                         static_cast<int>(scenario.blood.size()), scenario.organism.weight_kg,
                         scenario.run.seed);
  start_day_ = std::floor(treatment_.first_day());
  reference_agents_ = 0;
  for (const CellType& t : g.types()) reference_agents_ += static_cast<double>(t.initial);
  place_initial_agents();
  for (const FieldConfig& f : scenario.fields)
    fields_.emplace_back(f, lattice_, geometry_, scenario.lattice.site_um);
  solve_fields(false);
  for (const SignalField& f : fields_)
    if (f.config().chemoattractant) kernel_->set_chemoattractant(f.values());
  update_signal_levels();

  // Start the compartments at equilibrium with the initial agents' expected hand-off rate,
  // summed in site order: each rank rates the agents it holds (its sites' niche state), and the
  // shares are added on every rank in the same order.
  const size_t nc = static_cast<size_t>(g.compartment_count());
  std::vector<double> share;  // per cycling agent: its site, then its rate into each compartment
  domain_.for_each([&](const AgentBlock& b, uint32_t i) {
    if (b.flags[i] & kQuiescent) return;
    const TypeRates& r = kernel_->rates(b.type[i], b.site[i]);
    const auto y = g.compartment_yield(b.type[i], r);
    share.push_back(static_cast<double>(b.site[i]));
    for (size_t c = 0; c < nc; ++c) share.push_back(r.division * scenario.run.dt_hours * y[c]);
  });
  share = comm::all_gather(share);
  std::vector<size_t> order(share.size() / (nc + 1));
  for (size_t i = 0; i < order.size(); ++i) order[i] = i * (nc + 1);
  std::sort(order.begin(), order.end(), [&](size_t a, size_t b) { return share[a] < share[b]; });
  std::vector<double> rate(nc, 0.0);
  for (const size_t at : order)
    for (size_t c = 0; c < nc; ++c) rate[c] += share[at + 1 + c];
  blood_.equilibrate(rate);
}

void Simulation::place_initial_agents() {
  const Stream stream(scenario_.run.seed);
  // Stem cells go to niche sites first; other cells never take a niche site. Every rank draws
  // every placement over the whole lattice, and keeps the agents of its own blocks.
  const SiteWindow& w = lattice_.window();
  SiteBits niche_bits(lattice_.padded_sites()), all_bits(lattice_.padded_sites());
  for (SiteId s = w.own_lo; s < w.own_hi; ++s) {
    if (geometry_.kind[s] != kMarrow) continue;
    all_bits.set(s);
    if (geometry_.supportive[s]) niche_bits.set(s);
  }
  niche_bits.merge();
  all_bits.merge();
  const SiteSet niche(std::move(niche_bits)), all(std::move(all_bits));
  const SiteSet& open = marrow_sites_;
  int64_t total = 0, others = 0;
  for (const CellType& t : scenario_.graph.types()) {
    total += t.initial;
    if (!t.seeks_niche) others += t.initial;
  }
  if (total > static_cast<int64_t>(all.size()) / 2 ||
      others > static_cast<int64_t>(open.size()) * 3 / 4)
    throw std::invalid_argument(
        "initial agents fill more than half of the marrow sites (or non-stem cells more than "
        "three quarters of the sites without niche stroma)");
  SiteBits taken(lattice_.padded_sites());  // every site is free before the first placement
  uint64_t counter = 0;
  uint32_t clone = 0;
  for (int t = 0; t < scenario_.graph.type_count(); ++t) {
    const CellType& ct = scenario_.graph.type(t);
    for (int64_t i = 0; i < ct.initial; ++i) {
      SiteId s = 0;
      for (int attempt = 0;; ++attempt) {
        const Draw d = stream.draw(counter++, 0, Purpose::kInit);
        const bool niche_first = ct.seeks_niche && attempt < 64 && !niche.empty();
        const SiteSet& pool = niche_first ? niche : ct.seeks_niche ? all : open;
        s = pool.at(d.below(0, static_cast<uint32_t>(pool.size())));
        if (!taken.test(s)) break;
      }
      taken.set(s);
      const Draw d = stream.draw(counter++, 1, Purpose::kInit);
      if (!w.contains(s)) continue;  // another rank's agent
      const bool quiescent = d.u(0) < ct.initial_quiescent_fraction;
      AgentRecord a;
      a.site = s;
      a.type = static_cast<uint8_t>(t);
      a.flags = quiescent ? kQuiescent : 0;
      a.clone = clone + static_cast<uint32_t>(i) + 1;
      // Scheduled as if the last event had been just before step 0.
      const int64_t when = kernel_->next_event(t, quiescent, s, -1, d.u(1));
      a.next_step = when >= kNeverStep ? kNeverStep : static_cast<int32_t>(when);
      domain_.place(a);
    }
    clone += static_cast<uint32_t>(ct.initial);
  }
}

std::span<const Simulation::Process> Simulation::processes() {
  using C = Cadence;
  static const Process list[] = {
      // Regenerative recruitment from the marrow's cellularity and the niches' vacancy.
      {"activation", C::kStep, &Simulation::sense_activation},
      {"egress", C::kDay, &Simulation::egress},
      // Niche support follows the stroma's health; the fields follow their sources.
      {"niche support", C::kTreatedDay, &Simulation::restore_niche_support},
      {"supportive care", C::kTreatedDay, &Simulation::supportive_care},
      // Conditioning acts before a graft given in the same step.
      {"treatment", C::kTreatedStep, &Simulation::treat},
      {"fate events", C::kStep, &Simulation::fate_events},
      {"blood", C::kStep, &Simulation::feed_blood},
      {"clock", C::kStep, &Simulation::advance_clock},
      {"fields", C::kStep, &Simulation::solve_due_fields},
  };
  return list;
}

void Simulation::step() {
  const int64_t per_day = std::max<int64_t>(1, std::llround(24.0 / scenario_.run.dt_hours));
  day_start_ = (step_ - origin_) % per_day == 0;
  const bool treated = recording_ && treatment_.active();
  for (const Process& p : processes()) {
    const bool due = p.cadence == Cadence::kStep          ? true
                     : p.cadence == Cadence::kDay         ? day_start_
                     : p.cadence == Cadence::kTreatedStep ? treated
                                                          : treated && day_start_;
    if (due) (this->*p.run)();
  }
}

void Simulation::restore_niche_support() {
  if (!treatment_.empty()) update_niche_support(time_hours(), true);
}

void Simulation::treat() {
  const double hours = time_hours(), dt = scenario_.run.dt_hours;
  const StepEffects fx = treatment_.effects(hours, dt, day_start_);
  if (fx.any_agents) kill(fx);
  for (const GraftDose& g : treatment_.grafts(hours, dt, represented_fraction())) infuse(g);
  for (int m = 0; m < blood_.maturation_count(); ++m) {
    if (fx.compartment[m] < 1) blood_.scale_maturation(m, fx.compartment[m]);
    const std::string& hormone = blood_.maturation(m).hormone;
    if (!hormone.empty()) blood_.set_external_drive(m, treatment_.cytokine(hormone, hours));
  }
  for (int p = 0; p < blood_.pool_count(); ++p)
    if (fx.pool[p] < 1) blood_.remove(p, 1.0 - fx.pool[p]);
}

void Simulation::fate_events() {
  const int64_t now = step_;
  // Each thread makes the draws of one block at a time.
  thread_local FateKernel::EventDraws draws;
  domain_.events(
      now,
      [&](const AgentBlock& block, std::span<const uint32_t> due) {
        kernel_->draw_events(block, due, now, draws);
      },
      [&](AgentBlock& block, int b, uint32_t slot, size_t i) {
        kernel_->event(block, b, slot, now, draws.event(i), draws.daughter(i));
      });
}

void Simulation::feed_blood() {
  last_handoffs_ = kernel_->take_handoffs();
  comm::sum(last_handoffs_);  // every rank's blocks
  blood_.step(last_handoffs_);
}

void Simulation::solve_fields(bool due_only) {
  std::optional<float> support;  // none: full stromal support
  bool solved = false;
  for (SignalField& f : fields_) {
    if (due_only) {
      // Only uptake by cells makes a field change between re-solves.
      if (f.config().consumption_per_hour <= 0) continue;
      const int64_t every =
          std::max<int64_t>(1, std::llround(f.config().update_hours / scenario_.run.dt_hours));
      if (step_ % every != 0) continue;
    }
    if (recording_ && !treatment_.empty() && step_ > origin_)
      support = static_cast<float>(treatment_.stroma(time_hours()));
    f.solve(domain_.occupancy(), support);
    solved = true;
  }
  if (solved && due_only) update_signal_levels();
}

void Simulation::supportive_care() {
  const SupportiveCareConfig& c = scenario_.treatment.supportive_care;
  if (!c.enabled) return;
  // The morning count decides: one platelet unit, or the red-cell units, when below threshold.
  if (const int p = blood_.pool_index("platelets");
      p >= 0 && blood_.concentration(p) < c.platelet_threshold) {
    blood_.infuse(p, c.platelet_unit_cells * c.platelet_recovery);
    ++platelet_units_;
  }
  if (const int r = blood_.pool_index("rbc");
      r >= 0 && blood_.hemoglobin() < c.hemoglobin_threshold) {
    blood_.infuse(r, c.rbc_unit_cells * c.rbc_units);
    rbc_units_ += c.rbc_units;
  }
}

void Simulation::update_activation(bool reschedule) {
  const RegenerationConfig& r = scenario_.treatment.regeneration;
  if (r.gain <= 0) return;
  auto level = [&](double reference, double n) {
    return std::clamp(std::pow(reference / std::max(1e-9, n), r.gain), 1.0, r.cap);
  };
  // Progenitors sense the cellularity of the marrow against its steady state.
  const double cellular = level(reference_agents_, std::max<double>(1.0, domain_.total_alive()));
  std::vector<double> a;
  for (const CellType& t : scenario_.graph.types()) a.push_back(t.seeks_niche ? 1.0 : cellular);
  kernel_->set_activation(a);
  // Stem cells sense the vacancy of the working niches around them: the occupancy of the niche
  // sites in their tile of the lattice against a reference (empty niches call for refilling,
  // lost niches do not); and, as the progenitors do, the depletion of the marrow as a whole. Only
  // stem cells hold working niche sites, so an occupied one holds a stem cell (or, for a few hours,
  // the daughter of a differentiating division).
  const auto& occ = domain_.occupancy();
  if (working_stale_) {
    // The working niche sites and their count per tile change only with the niches' support.
    std::fill(own_tile_work_.begin(), own_tile_work_.end(), 0);
    for (size_t i = own_niches_[0]; i < own_niches_[1]; ++i) {
      niche_state_[i] = niche_now_[niche_sites_[i]] ? 1 : 0;
      own_tile_work_[niche_tile_[i]] += niche_state_[i];
    }
    working_stale_ = false;
  }
  tile_work_ = own_tile_work_;
  std::fill(tile_held_.begin(), tile_held_.end(), 0);
  // Each own niche site's state is kept in site order: the second pass below and the mean
  // activation read only that. A tile row at a time, rows side by side (on a large lattice this
  // scan is most of the step outside the fate events; integer counts, so any order gives the
  // same).
  parallel_for(
      static_cast<int64_t>(niche_rows_.size()) - 1,
      [&](int64_t k) {
        const size_t end = niche_rows_[k + 1];
        for (size_t i = niche_rows_[k]; i < end; ++i) {
          // (The sites lie apart along the vessels: their occupancy is asked for ahead.)
          if (i + 16 < end) __builtin_prefetch(&occ[niche_sites_[i + 16]]);
          const uint8_t working = niche_state_[i] & 1;
          const bool held = working && occ[niche_sites_[i]] == kOccupied;
          niche_state_[i] = static_cast<uint8_t>(working | held << 1);
          tile_held_[niche_tile_[i]] += held;
        }
      },
      own_niches_[1] - own_niches_[0] >= 4096);
  if (comm::size() > 1) {
    // Every rank's niche sites in the tiles read across slabs: each rank then has the tiles
    // its window's niche sites read.
    std::vector<int64_t> counts;
    counts.reserve(2 * shared_tiles_.size());
    for (const int32_t t : shared_tiles_) counts.push_back(tile_work_[static_cast<size_t>(t)]);
    for (const int32_t t : shared_tiles_) counts.push_back(tile_held_[static_cast<size_t>(t)]);
    comm::sum(counts);
    for (size_t i = 0; i < shared_tiles_.size(); ++i) {
      tile_work_[static_cast<size_t>(shared_tiles_[i])] = static_cast<int32_t>(counts[i]);
      tile_held_[static_cast<size_t>(shared_tiles_[i])] =
          static_cast<int32_t>(counts[i + shared_tiles_.size()]);
    }
  }
  // A stem cell senses its tile and the tiles around it (3 x 3, or 3 x 3 x 3 in 3D): summed
  // for the tiles that hold niche sites, the only ones read.
  for (const int32_t tile : sensed_tiles_) {
    const size_t t = static_cast<size_t>(tile);
    const int x = static_cast<int>(t % tiles_[0]), y = static_cast<int>(t / tiles_[0] % tiles_[1]),
              z = static_cast<int>(t / tiles_[0] / tiles_[1]);
    int32_t work = 0, held_here = 0;
    for (int dz = tiles_[2] > 1 ? -1 : 0; dz <= (tiles_[2] > 1 ? 1 : 0); ++dz)
      for (int dy = -1; dy <= 1; ++dy)
        for (int dx = -1; dx <= 1; ++dx) {
          const int u = x + dx, v = y + dy, w = z + dz;
          if (u < 0 || v < 0 || w < 0 || u >= tiles_[0] || v >= tiles_[1] || w >= tiles_[2])
            continue;
          const size_t n = (static_cast<size_t>(w) * tiles_[1] + v) * tiles_[0] + u;
          work += tile_work_[n];
          held_here += tile_held_[n];
        }
    area_work_[t] = work;
    area_held_[t] = held_here;
  }
  // The level depends on the tile alone: computed once per tile, with the activation of each level.
  const double top = FateKernel::kStemLevels - 1;
  for (const int32_t tile : sensed_tiles_) {
    const size_t t = static_cast<size_t>(tile);
    if (area_work_[t] == 0) continue;  // no working niche site senses this tile
    const double x = std::max(cellular, level(r.niche_occupancy_reference,
                                              static_cast<double>(area_held_[t]) / area_work_[t]));
    const auto k = static_cast<uint8_t>(std::lround(top * std::log(x) / std::log(r.cap)));
    levels_stale_ |= k != tile_level_[t];
    tile_level_[t] = k;
  }
  // A site's level is written only when it changes (niche_level_ holds what stem_level_ does at
  // each niche site), and the sites are looked at only when a tile's level or the working
  // niches changed.
  for (size_t i = 0; levels_stale_ && i < niche_sites_.size(); ++i) {
    const bool own = i >= own_niches_[0] && i < own_niches_[1];
    const bool working = own ? niche_state_[i] & 1 : niche_now_[niche_sites_[i]] != 0;
    const uint8_t k = working ? tile_level_[niche_tile_[i]] : 0;
    if (k != niche_level_[i]) {
      niche_level_[i] = k;
      stem_level_[niche_sites_[i]] = k;
    }
  }
  levels_stale_ = false;
  activation_sensed_ = true;
  if (!reschedule) return;
  // Quiescent cells redraw their exit at today's rate (memoryless waits: an exact update).
  const Stream st(scenario_.run.seed);
  domain_.for_each(
      [&](AgentBlock& b, uint32_t i) {
        if (!(b.flags[i] & kQuiescent)) return;
        const double u =
            st.draw(b.site[i], static_cast<uint64_t>(step_), Purpose::kActivation).u(0);
        b.reschedule(i, kernel_->next_event(b.type[i], true, b.site[i], step_ - 1, u));
      },
      true);
}

void Simulation::egress() {
  const LineageGraph& g = scenario_.graph;
  std::vector<double> leave(g.type_count(), 0.0);
  std::vector<uint8_t> leaving;  // the types that leave
  for (int t = 0; t < g.type_count(); ++t) {
    leave[t] = -std::expm1(-g.type(t).egress_per_day);
    if (leave[t] > 0) leaving.push_back(static_cast<uint8_t>(t));
  }
  egressed_ = homed_ = 0;
  if (leaving.empty() || vessel_adjacent_.empty()) return;
  const Stream st(scenario_.run.seed);
  // Back through the endothelium where it presents CXCL12, as grafted stem cells home.
  const EntryWeights& weight = entry_weights();
  // In order of the sites they left, each cell homes to a free site next to a sinusoid (back
  // to its own site when it finds none). Every rank resolves every arrival, on the occupancy of
  // the entry sites once the cells have left: up to 16 entry sites drawn per cell.
  constexpr int kAttempts = 16;
  SiteBits occupied;
  std::vector<uint32_t> picked;
  size_t arrived = 0;
  egressed_ = domain_.relocate(
      leaving,
      [&](const AgentBlock& b, uint32_t i) {
        return st.draw(b.site[i], static_cast<uint64_t>(step_), Purpose::kEgress).u(0) <
               leave[b.type[i]];
      },
      [&](const std::vector<AgentRecord>& moving) {
        // One process reads its occupancy as it goes (an arrival occupies its site there, as
        // the bits below would record); ranks share the occupancy of the entry sites first.
        if (comm::size() > 1) occupied = occupied_members(vessel_adjacent_);
        std::vector<Draw> draws;
        draws.reserve(moving.size() * kAttempts);
        for (const AgentRecord& a : moving)
          for (int attempt = 0; attempt < kAttempts; ++attempt)
            draws.push_back(st.draw(static_cast<uint64_t>(a.site) | (uint64_t{1} << 40 << attempt),
                                    static_cast<uint64_t>(step_), Purpose::kEgress));
        picked = pick_entries(vessel_adjacent_.size(), weight, draws);
      },
      [&](AgentRecord& a) {
        const Draw d = st.draw(a.site, static_cast<uint64_t>(step_), Purpose::kEgress);
        const uint32_t* pick = picked.data() + kAttempts * arrived++;
        SiteId to = a.site;
        const bool shared = comm::size() > 1;
        for (int attempt = 0; attempt < kAttempts; ++attempt) {
          const SiteId entry = vessel_adjacent_.at(pick[attempt]);
          if (shared ? !occupied.test(pick[attempt]) : domain_.occupancy()[entry] != kOccupied) {
            to = entry;
            if (shared) occupied.set(pick[attempt]);
            break;
          }
        }
        if (shared && to == a.site && vessel_adjacent_.contains(to))
          occupied.set(static_cast<SiteId>(vessel_adjacent_.rank(to)));
        homed_ += to != a.site;
        a.site = to;
        if (!lattice_.window().contains(to)) return;  // another rank's agent
        const bool waiting = a.flags & kPendingMask;
        const int64_t when =
            kernel_->next_event(a.type, a.flags & kQuiescent, to, step_ - 1, d.u(1), waiting);
        a.next_step = when >= kNeverStep ? kNeverStep : static_cast<int32_t>(when);
      });
}

void Simulation::update_signal_levels() {
  const LineageGraph& g = scenario_.graph;
  for (int t = 0; t < g.type_count(); ++t) {
    const CellType& ct = g.type(t);
    if (ct.niche_signal.empty()) continue;
    const SignalField* field = nullptr;
    for (const SignalField& f : fields_)
      if (f.config().name == ct.niche_signal) field = &f;
    if (!field) throw std::invalid_argument("niche_signal names no field: " + ct.niche_signal);
    const double kn = std::pow(ct.niche_signal_half, ct.niche_signal_hill);
    SiteVector<uint8_t> level(niche_now_.size());
    for (SiteId s = lattice_.window().lo; s < lattice_.window().hi; ++s) {
      if (!geometry_.supportive[s]) continue;
      const double cn =
          std::pow(std::max(0.0, static_cast<double>(field->at(s))), ct.niche_signal_hill);
      level[s] = static_cast<uint8_t>(std::lround((FateKernel::kLevels - 1) * cn / (cn + kn)));
    }
    kernel_->set_signal_levels(t, std::move(level));
  }
}

void Simulation::update_niche_support(double hours, bool signals) {
  const double health = treatment_.stroma(hours);
  // The stroma secretes the signals: their sources follow its health. Without uptake the
  // solution scales with the sources; with uptake it is solved again.
  const double before = treatment_.stroma(hours - 24.0);
  if (signals && health != before && before > 0) {
    for (SignalField& f : fields_) {
      if (f.config().consumption_per_hour <= 0) {
        f.scale(health / before);
        continue;
      }
      f.solve(domain_.occupancy(), static_cast<float>(health));
    }
    update_signal_levels();
  }
  for (SiteId s = lattice_.window().lo; s < lattice_.window().hi; ++s)
    niche_now_[s] = geometry_.supportive[s] && health > niche_threshold_[s];
  levels_stale_ = working_stale_ = true;
}

void Simulation::kill(const StepEffects& fx) {
  const Stream st(scenario_.run.seed);
  const int64_t now = step_;
  domain_.remove_unless(
      [&](const AgentBlock& b, uint32_t i) {
        const double p = fx.survival(b.type[i], b.flags[i] & kQuiescent, b.origin[i] == kDonor);
        return p >= 1.0 ||
               st.draw(b.site[i], static_cast<uint64_t>(now), Purpose::kTreatment).u(0) < p;
      },
      domain_.alive() >= 4096);
}

std::vector<uint32_t> Simulation::pick_entries(size_t n, const EntryWeights& weight,
                                               const std::vector<Draw>& draws) {
  std::vector<uint32_t> picked(draws.size());
  if (weight.uniform) {
    for (size_t i = 0; i < draws.size(); ++i)
      picked[i] = draws[i].below(0, static_cast<uint32_t>(n));
    return picked;
  }
  // The rank whose running sums span a value finds its entry; a value at or past the total
  // picks the last entry.
  std::vector<int64_t> found(draws.size(), 0);  // index + 1 where this rank finds it
  for (size_t i = 0; i < draws.size(); ++i) {
    const double v = draws[i].u(3) * weight.total;
    if (!(v >= weight.start && v < weight.end)) continue;
    // The last group of 64 whose running sum before it is at most v holds the entry.
    const size_t group = static_cast<size_t>(
        std::upper_bound(weight.before.begin(), weight.before.end(), v) - weight.before.begin());
    size_t j = group == 0 ? 0 : (group - 1) * 64;
    double sum = group == 0 ? weight.start : weight.before[group - 1];
    while (j + 1 < weight.weight.size() && !((sum += weight.weight[j]) > v)) ++j;
    found[i] = static_cast<int64_t>(weight.offset + j) + 1;
  }
  comm::sum(found);
  for (size_t i = 0; i < draws.size(); ++i)
    picked[i] = found[i] > 0 ? static_cast<uint32_t>(found[i] - 1) : static_cast<uint32_t>(n - 1);
  return picked;
}

const Simulation::EntryWeights& Simulation::entry_weights() const {
  // Kept while the chemoattractant is unchanged (in the steady state, it is not solved again).
  const SignalField* field = nullptr;
  for (const SignalField& f : fields_)
    if (f.config().chemoattractant) {
      field = &f;
      break;
    }
  const uint64_t version = field ? field->version() : 0;
  if (version != entry_weights_version_) {
    entry_weights_ = weigh_entries(field);
    entry_weights_version_ = version;
  }
  return entry_weights_;
}

Simulation::EntryWeights Simulation::weigh_entries(const SignalField* field) const {
  EntryWeights w;
  if (field == nullptr) return w;
  const auto& c = field->values();
  const SiteWindow& win = lattice_.window();
  w.offset = vessel_adjacent_.rank(win.own_lo);
  w.weight.reserve(vessel_adjacent_.rank(win.own_hi) - w.offset);
  vessel_adjacent_.for_each(win.own_lo, win.own_hi,
                            [&](size_t, SiteId s) { w.weight.push_back(std::max(0.0f, c[s])); });
  // The running sum in site order: each rank in turn continues it from the one before.
  double carry = 0;
  for (int r = 0; r < comm::size(); ++r) {
    if (r == comm::rank()) {
      w.start = carry;
      w.before.reserve(w.weight.size() / 64 + 1);
      for (size_t i = 0; i < w.weight.size(); ++i) {
        if (i % 64 == 0) w.before.push_back(carry);
        carry += w.weight[i];
      }
      w.end = carry;
    }
    if (comm::size() > 1)
      carry = comm::all_gather(r == comm::rank() ? std::vector<double>{carry}
                                                 : std::vector<double>{})[0];
  }
  w.total = carry;
  w.uniform = !(w.total > 0);  // no signal anywhere: uniform entry
  return w;
}

SiteBits Simulation::occupied_members(const SiteSet& set) const {
  SiteBits bits(static_cast<int64_t>(set.size()));
  const auto& occ = domain_.occupancy();
  const SiteWindow& w = lattice_.window();
  set.for_each(w.own_lo, w.own_hi, [&](size_t i, SiteId s) {
    if (occ[s] == kOccupied) bits.set(static_cast<SiteId>(i));
  });
  bits.merge();
  return bits;
}

void Simulation::infuse(const GraftDose& g) {
  const Stream st(scenario_.run.seed);
  const uint64_t base = (static_cast<uint64_t>(g.event) + 1) << 40;
  uint64_t counter = 0;
  uint32_t index = 0;
  for (int t = 0; t < scenario_.graph.type_count(); ++t) {
    const double x = g.agents_per_type[t];
    const double whole = std::floor(x);
    // Stochastic rounding keeps the expected count exact.
    const Draw r = st.draw(base | counter++, static_cast<uint64_t>(step_), Purpose::kGraft);
    const int64_t count = static_cast<int64_t>(whole) + (r.u(0) < x - whole ? 1 : 0);
    // Stem cells enter where blood meets marrow, next to a sinusoid, and home to free niches
    // by chemotaxis. They cross the endothelium where it presents the chemoattractant (CXCL12
    // on the sinusoids drives HSC transmigration: Peled 1999 Science 283:845), so the entry
    // site is drawn with weight proportional to its concentration. Progenitors are seeded over
    // the whole marrow: every marrow site is within a few cells of a sinusoid.
    const bool stem = scenario_.graph.type(t).seeks_niche;
    const SiteSet& entry = stem ? vessel_adjacent_ : marrow_sites_;
    if (count == 0 || entry.empty()) continue;
    const EntryWeights none;
    const EntryWeights& weight = stem ? entry_weights() : none;
    // Every rank draws every infused cell on the occupancy of the entry sites. A cell takes at
    // most 64 entry draws and a draw for quiescence: the entry each of those draws would pick.
    SiteBits occupied = occupied_members(entry);
    const uint64_t first = counter;
    std::vector<Draw> draws;
    for (int64_t k = 0; !weight.uniform && k < count * 65; ++k)
      draws.push_back(st.draw(base | (first + static_cast<uint64_t>(k)),
                              static_cast<uint64_t>(step_), Purpose::kGraft));
    const std::vector<uint32_t> weighted = pick_entries(entry.size(), weight, draws);
    for (int64_t i = 0; i < count; ++i) {
      Draw d{};
      uint32_t e = 0;
      bool found = false;
      for (int attempt = 0; attempt < 64 && !found; ++attempt) {
        const uint64_t k = counter++;
        d = st.draw(base | k, static_cast<uint64_t>(step_), Purpose::kGraft);
        e = weight.uniform ? d.below(0, static_cast<uint32_t>(entry.size())) : weighted[k - first];
        found = !occupied.test(e);
      }
      if (!found) continue;  // every tried entry site taken: the cell does not engraft
      occupied.set(e);
      const SiteId s = entry.at(e);
      AgentRecord a;
      a.site = s;
      a.type = static_cast<uint8_t>(t);
      a.origin = g.donor_origin ? kDonor : kHost;
      a.flags = d.u(1) < g.gene_modified_fraction ? kGeneModified : 0;
      // Infused cells are in G0 as often as the type is at rest (graft HSCs are mostly
      // quiescent, as mobilized and marrow HSCs are: Wright 2001 Science 294:1933).
      const Draw q = st.draw(base | counter++, static_cast<uint64_t>(step_), Purpose::kGraft);
      const bool quiescent = q.u(0) < scenario_.graph.type(t).initial_quiescent_fraction;
      if (quiescent) a.flags |= kQuiescent;
      // Every infused cell is its own clone (a barcode): graft clones have the top bit set.
      a.clone = 0x80000000u | (static_cast<uint32_t>(g.event & 0x7F) << 24) | (index++ & 0xFFFFFF);
      if (!lattice_.window().contains(s)) continue;  // another rank's agent
      const int64_t when = kernel_->next_event(t, quiescent, s, step_ - 1, d.u(2));
      a.next_step = when >= kNeverStep ? kNeverStep : static_cast<int32_t>(when);
      domain_.place(a);
    }
  }
}

bool Simulation::spin_up(const std::function<bool()>& stop) {
  const int64_t n = std::llround(scenario_.run.spin_up_days * 24.0 / scenario_.run.dt_hours);
  if (!spinning_) {
    recording_ = false;
    spinning_ = true;
    spin_done_ = 0;
    spin_sum_.assign(scenario_.graph.compartment_count(), 0.0);
  }
  for (; spin_done_ < n; ++spin_done_) {
    if (stop && stop()) return false;
    step();
    if (3 * spin_done_ >= 2 * n)
      for (size_t c = 0; c < spin_sum_.size(); ++c)
        spin_sum_[c] += static_cast<double>(last_handoffs_[c]);
  }
  if (n > 0) {
    const int64_t window = n - (2 * n + 2) / 3;
    for (double& x : spin_sum_) x /= static_cast<double>(std::max<int64_t>(1, window));
    blood_.equilibrate(spin_sum_);
  }
  origin_ = step_;
  recording_ = true;
  spinning_ = false;
  return true;
}

void Simulation::restore_spin_up(int64_t done, const std::vector<double>& sums) {
  if (sums.size() != static_cast<size_t>(scenario_.graph.compartment_count()))
    throw std::invalid_argument("checkpoint has spin-up sums of a different graph");
  recording_ = false;
  spinning_ = true;
  spin_done_ = done;
  spin_sum_ = sums;
  // No treatment acts during the spin-up: every niche works, as from the start.
  // In place: the kernel reads niche_now_ where it is.
  for (SiteId s = lattice_.window().lo; s < lattice_.window().hi; ++s)
    niche_now_[s] = geometry_.supportive[s];
  levels_stale_ = working_stale_ = true;
  update_activation(false);
}

double Simulation::mean_stem_activation() const {
  if (!activation_sensed_) return 1;
  const double cap = scenario_.treatment.regeneration.cap;
  std::array<double, FateKernel::kStemLevels> activation_of;
  for (int k = 0; k < FateKernel::kStemLevels; ++k)
    activation_of[static_cast<size_t>(k)] = FateKernel::stem_activation(k, cap);
  // The levels of the held niche sites at the last update, in site order over every rank: their
  // mean activation is then the same whatever the ranks.
  std::vector<uint8_t> held_levels;
  for (size_t i = own_niches_[0]; i < own_niches_[1]; ++i)
    if (niche_state_[i] & 2) held_levels.push_back(niche_level_[i]);
  if (comm::size() > 1) held_levels = comm::all_gather(held_levels);
  double sum = 0;
  for (const uint8_t k : held_levels) sum += activation_of[k];
  const auto held = static_cast<int64_t>(held_levels.size());
  return held ? sum / static_cast<double>(held) : cap;
}

Observation Simulation::observe() const {
  Observation o;
  o.time_days = time_days();
  const LineageGraph& g = scenario_.graph;
  o.population.assign(g.type_count(), 0);
  std::vector<int64_t> lineage_all(lineages_.size(), 0), lineage_donor(lineages_.size(), 0),
      lineage_marked(lineages_.size(), 0);
  int64_t hsc_in_niche = 0;
  std::vector<int64_t> cycling(g.type_count(), 0);
  // Counted per block, blocks side by side, then summed (integers: the same in any order). A
  // block's counts: population and cycling per type, all, donor and marked per lineage, stem
  // cells on niche sites.
  const size_t types = static_cast<size_t>(g.type_count()), lines = lineages_.size();
  const size_t width = 2 * types + 3 * lines + 1;
  std::vector<int64_t> counts(domain_.blocks_held() * width, 0);
  domain_.for_each_block(
      [&](size_t k, const AgentBlock& b) {
        int64_t* c = counts.data() + k * width;
        int64_t* lineage = c + 2 * types;
        for (uint32_t i = 0; i < b.slots(); ++i) {
          const int t = b.type[i];
          if (t == kDead) continue;
          const size_t l = static_cast<size_t>(lineage_of_type_[t]);
          ++c[t];
          c[types + t] += !(b.flags[i] & kQuiescent);
          ++lineage[l];
          lineage[lines + l] += b.origin[i] == kDonor;
          lineage[2 * lines + l] += (b.flags[i] & kGeneModified) != 0;
          if (t == hsc_type_ && niche_now_[b.site[i]]) ++c[width - 1];
        }
      },
      domain_.blocks_held() >= 8);
  for (size_t k = 0; k < domain_.blocks_held(); ++k) {
    const int64_t* c = counts.data() + k * width;
    for (size_t t = 0; t < types; ++t) {
      o.population[t] += c[t];
      cycling[t] += c[types + t];
    }
    for (size_t l = 0; l < lines; ++l) {
      lineage_all[l] += c[2 * types + l];
      lineage_donor[l] += c[2 * types + lines + l];
      lineage_marked[l] += c[2 * types + 2 * lines + l];
    }
    hsc_in_niche += c[width - 1];
  }
  if (comm::size() > 1) {
    // The counts of every rank: integers, so their sum is exact in any order.
    std::vector<int64_t> all = o.population;
    for (const auto* v : {&cycling, &lineage_all, &lineage_donor, &lineage_marked})
      all.insert(all.end(), v->begin(), v->end());
    all.push_back(hsc_in_niche);
    comm::sum(all);
    auto it = all.begin();
    for (auto* v : {&o.population, &cycling, &lineage_all, &lineage_donor, &lineage_marked})
      for (int64_t& x : *v) x = *it++;
    hsc_in_niche = *it;
  }
  for (const int64_t n : o.population) o.agents += n;
  for (int p = 0; p < blood_.pool_count(); ++p) {
    o.blood.push_back(blood_.concentration(p));
    o.production.push_back(blood_.production(p) * 24.0 / scenario_.run.dt_hours);
  }
  o.hemoglobin = blood_.hemoglobin();
  for (int m = 0; m < blood_.maturation_count(); ++m) {
    o.drive.push_back(blood_.drive(m));
    o.hormone.push_back(blood_.level(m));
  }
  // A type without agents has no cycling fraction: 0, as the chimerism of an empty lineage.
  for (int t = 0; t < g.type_count(); ++t)
    o.cycling.push_back(o.population[t] > 0
                            ? static_cast<double>(cycling[t]) / static_cast<double>(o.population[t])
                            : 0.0);
  for (size_t l = 0; l < lineages_.size(); ++l) {
    const double all = static_cast<double>(lineage_all[l]);
    o.chimerism.push_back(all > 0 ? static_cast<double>(lineage_donor[l]) / all : 0.0);
    o.gene_modified.push_back(all > 0 ? static_cast<double>(lineage_marked[l]) / all : 0.0);
  }
  o.stroma = treatment_.empty() ? 1.0 : treatment_.stroma(time_hours());
  o.activation = std::max(kernel_->activation(), mean_stem_activation());
  o.immunity = treatment_.empty() ? 1.0 : treatment_.immunity(time_hours());
  o.autoreactive_clone = treatment_.autoreactive_clone(time_hours());
  o.platelet_units = platelet_units_;
  o.rbc_units = rbc_units_;
  o.occupied_niches = hsc_in_niche;
  o.egressed = egressed_;
  o.homed = homed_;
  const int64_t hsc = o.population[hsc_type_];
  o.hsc_in_niche_fraction = hsc ? static_cast<double>(hsc_in_niche) / hsc : 0.0;
  return o;
}

std::vector<AgentRecord> Simulation::agents() const { return domain_.records(); }

void Simulation::restore(int64_t steps_done, int64_t origin_step,
                         const std::vector<AgentRecord>& agents,
                         const std::vector<double>& blood_state,
                         const std::vector<std::vector<float>>& fields) {
  domain_.clear();
  for (const AgentRecord& a : agents) {
    // Each rank checks the sites of its window.
    if (a.site >= domain_.occupancy().size() ||
        (lattice_.window().contains(a.site) && !domain_.is_free(a.site)))
      throw std::invalid_argument("checkpoint places an agent on a site that cannot hold it");
    if (a.type >= scenario_.graph.type_count())
      throw std::invalid_argument("checkpoint has an agent of an unknown type");
    if (a.next_step != kNeverStep && a.next_step < steps_done)
      throw std::invalid_argument("checkpoint has an agent with an event in the past");
    domain_.place(a);
  }
  blood_.set_state(blood_state);
  kernel_->take_handoffs();
  if (fields.empty()) {
    solve_fields(false);
  } else {
    if (fields.size() != fields_.size())
      throw std::invalid_argument("checkpoint has a different number of fields");
    for (size_t f = 0; f < fields.size(); ++f) {
      fields_[f].load(fields[f]);
    }
  }
  update_signal_levels();
  step_ = steps_done;
  origin_ = origin_step;
  recording_ = true;
  // The derived state of this moment: activation from the agents, niche support from the
  // stroma at the start of the day.
  update_activation(false);
  if (!treatment_.empty()) {
    const int64_t per_day = std::max<int64_t>(1, std::llround(24.0 / scenario_.run.dt_hours));
    const int64_t day_start = (step_ - origin_) / per_day * per_day;
    // The stored fields already carry the stroma's state: only the niche support is derived.
    update_niche_support(
        start_day_ * 24.0 + static_cast<double>(day_start) * scenario_.run.dt_hours, false);
  }
}

}  // namespace marrow
