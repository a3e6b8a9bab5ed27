#include "model/simulation.hpp"

#include <algorithm>
#include <stdexcept>

#include "core/random.hpp"

namespace marrow {
namespace {

Lattice make_lattice(const LatticeConfig& c) { return Lattice(c.nx, c.ny, c.nz, c.neighbourhood); }

}  // namespace

Simulation::Simulation(const Scenario& scenario)
    : scenario_(scenario),
      lattice_(make_lattice(scenario.lattice)),
      geometry_(generate_geometry(lattice_, scenario.geometry)),
      grid_(lattice_, scenario.lattice.block) {
  apply_geometry(geometry_, lattice_);
  blocks_.reserve(static_cast<size_t>(grid_.count()));
  for (int b = 0; b < grid_.count(); ++b) blocks_.emplace_back(scenario.lattice.calendar_window);
  kernel_ = std::make_unique<FateKernel>(scenario_.graph, lattice_, grid_, geometry_.supportive,
                                         Stream(scenario.run.seed), scenario.run.dt_hours);
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
  place_initial_agents();
  for (const FieldConfig& f : scenario.fields)
    fields_.emplace_back(f, lattice_, geometry_, scenario.lattice.site_um);
  solve_fields(false);
  for (const SignalField& f : fields_)
    if (f.config().chemoattractant) kernel_->set_chemoattractant(f.values());

  // Start the compartments at equilibrium with the initial agents' expected hand-off rate.
  std::vector<double> rate(g.compartment_count(), 0.0);
  for (const AgentRecord& a : agents()) {
    if (a.flags & kQuiescent) continue;
    const TypeRates& r = kernel_->rates(a.type, a.site);
    const auto y = g.compartment_yield(a.type, r);
    for (size_t c = 0; c < y.size(); ++c) rate[c] += r.division * scenario.run.dt_hours * y[c];
  }
  blood_.equilibrate(rate);
}

void Simulation::place_initial_agents() {
  const Stream stream(scenario_.run.seed);
  std::vector<SiteId> marrow, niche;
  for (int z = 0; z < lattice_.nz(); ++z)
    for (int y = 0; y < lattice_.ny(); ++y)
      for (int x = 0; x < lattice_.nx(); ++x) {
        const SiteId s = lattice_.index(x, y, z);
        if (geometry_.kind[s] != kMarrow) continue;
        marrow.push_back(s);
        if (geometry_.supportive[s]) niche.push_back(s);
      }
  auto& occ = lattice_.occupancy();
  int64_t total = 0;
  for (const CellType& t : scenario_.graph.types()) total += t.initial;
  if (total > static_cast<int64_t>(marrow.size()) / 2)
    throw std::invalid_argument("initial agents fill more than half of the marrow sites");
  uint64_t counter = 0;
  uint32_t clone = 0;
  for (int t = 0; t < scenario_.graph.type_count(); ++t) {
    const CellType& ct = scenario_.graph.type(t);
    for (int64_t i = 0; i < ct.initial; ++i) {
      SiteId s = 0;
      for (int attempt = 0;; ++attempt) {
        const Draw d = stream.draw(counter++, 0, Purpose::kInit);
        const bool niche_first = ct.seeks_niche && attempt < 64 && !niche.empty();
        const auto& pool = niche_first ? niche : marrow;
        s = pool[d.below(0, static_cast<uint32_t>(pool.size()))];
        if (occ[s] == kFree) break;
      }
      const Draw d = stream.draw(counter++, 1, Purpose::kInit);
      const bool quiescent = d.u(0) < ct.initial_quiescent_fraction;
      AgentRecord a;
      a.site = s;
      a.type = static_cast<uint8_t>(t);
      a.flags = quiescent ? kQuiescent : 0;
      a.clone = ++clone;
      // Scheduled as if the last event had been just before step 0.
      const int64_t when = kernel_->next_event(t, quiescent, s, -1, d.u(1));
      a.next_step = when >= kNeverStep ? kNeverStep : static_cast<int32_t>(when);
      occ[s] = kOccupied;
      blocks_[block_of(s)].add(a);
    }
  }
}

void Simulation::step() {
  const int64_t now = step_;
  colour_sweep(
      grid_,
      [&](int b) {
        AgentBlock& block = blocks_[b];
        block.drain<true>(now, [&](uint32_t slot) { kernel_->event(block, b, slot, now); });
      },
      worth_parallel(entries(blocks_, now)));
  merge_outboxes();
  last_handoffs_ = kernel_->take_handoffs();
  blood_.step(last_handoffs_);
  ++step_;
  solve_fields(true);
}

void Simulation::solve_fields(bool due_only) {
  static const std::vector<float> full_support;
  for (SignalField& f : fields_) {
    if (due_only) {
      // Only uptake by cells makes a field change between re-solves.
      if (f.config().consumption_per_hour <= 0) continue;
      const int64_t every =
          std::max<int64_t>(1, std::llround(f.config().update_hours / scenario_.run.dt_hours));
      if (step_ % every != 0) continue;
    }
    f.solve(lattice_.occupancy(), full_support);
  }
}

std::vector<float> Simulation::field_values(int f) const { return fields_[f].unpadded(); }

void Simulation::spin_up() {
  const int64_t n = std::llround(scenario_.run.spin_up_days * 24.0 / scenario_.run.dt_hours);
  std::vector<double> sum(scenario_.graph.compartment_count(), 0.0);
  for (int64_t i = 0; i < n; ++i) {
    step();
    if (3 * i >= 2 * n)
      for (size_t c = 0; c < sum.size(); ++c) sum[c] += static_cast<double>(last_handoffs_[c]);
  }
  if (n > 0) {
    const int64_t window = n - (2 * n + 2) / 3;
    for (double& x : sum) x /= static_cast<double>(std::max<int64_t>(1, window));
    blood_.equilibrate(sum);
  }
  origin_ = step_;
}

void Simulation::merge_outboxes() { marrow::merge_outboxes(blocks_, grid_, lattice_); }

Observation Simulation::observe() const {
  Observation o;
  o.time_days = time_days();
  const LineageGraph& g = scenario_.graph;
  o.population.assign(g.type_count(), 0);
  std::vector<int64_t> lineage_all(lineages_.size(), 0), lineage_donor(lineages_.size(), 0);
  int64_t hsc_in_niche = 0;
  for (const AgentBlock& b : blocks_)
    for (uint32_t i = 0; i < b.slots(); ++i) {
      const int t = b.type[i];
      if (t == kDead) continue;
      ++o.population[t];
      ++lineage_all[lineage_of_type_[t]];
      if (b.origin[i] == kDonor) ++lineage_donor[lineage_of_type_[t]];
      if (t == hsc_type_ && geometry_.supportive[b.site[i]]) ++hsc_in_niche;
    }
  for (const int64_t n : o.population) o.agents += n;
  for (int p = 0; p < blood_.pool_count(); ++p) {
    o.blood.push_back(blood_.concentration(p));
    o.production.push_back(blood_.production(p) * 24.0 / scenario_.run.dt_hours);
  }
  o.hemoglobin = blood_.hemoglobin();
  for (int m = 0; m < blood_.maturation_count(); ++m) o.drive.push_back(blood_.drive(m));
  for (size_t l = 0; l < lineages_.size(); ++l)
    o.chimerism.push_back(lineage_all[l] ? static_cast<double>(lineage_donor[l]) / lineage_all[l]
                                         : 0.0);
  o.occupied_niches = hsc_in_niche;
  const int64_t hsc = o.population[hsc_type_];
  o.hsc_in_niche_fraction = hsc ? static_cast<double>(hsc_in_niche) / hsc : 0.0;
  return o;
}

std::vector<AgentRecord> Simulation::agents() const {
  std::vector<AgentRecord> all;
  for (const AgentBlock& b : blocks_)
    for (uint32_t i = 0; i < b.slots(); ++i)
      if (b.type[i] != kDead) all.push_back(b.record(i));
  std::sort(all.begin(), all.end(),
            [](const AgentRecord& a, const AgentRecord& b) { return a.site < b.site; });
  return all;
}

void Simulation::restore(int64_t steps_done, int64_t origin_step,
                         const std::vector<AgentRecord>& agents,
                         const std::vector<double>& blood_state,
                         const std::vector<std::vector<float>>& fields) {
  auto& occ = lattice_.occupancy();
  for (size_t s = 0; s < occ.size(); ++s)
    if (occ[s] == kOccupied) occ[s] = kFree;
  for (AgentBlock& b : blocks_) b = AgentBlock(scenario_.lattice.calendar_window);
  for (const AgentRecord& a : agents) {
    if (a.site >= occ.size() || occ[a.site] != kFree)
      throw std::invalid_argument("checkpoint places an agent on a site that cannot hold it");
    if (a.type >= scenario_.graph.type_count())
      throw std::invalid_argument("checkpoint has an agent of an unknown type");
    if (a.next_step != kNeverStep && a.next_step < steps_done)
      throw std::invalid_argument("checkpoint has an agent with an event in the past");
    occ[a.site] = kOccupied;
    blocks_[block_of(a.site)].add(a);
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
  step_ = steps_done;
  origin_ = origin_step;
}

}  // namespace marrow
