#include "agents/domain.hpp"

#include <algorithm>

namespace marrow {

Domain::Domain(Lattice& lattice, int block_edge, int calendar_window)
    : lattice_(lattice), grid_(lattice, block_edge), calendar_window_(calendar_window) {
  // Distributed, this rank holds the blocks whose rows start in its slab (core/lattice.hpp).
  const SiteWindow& w = lattice.window();
  const bool shared = comm::size() > 1, planes = lattice.nz() > 1;
  if (shared) slot_.assign(static_cast<size_t>(grid_.count()), -1);
  for (int b = 0; b < grid_.count(); ++b) {
    const int row = planes ? grid_.box(b).lo.z : grid_.box(b).lo.y;
    if (shared && (row < w.row_lo || row >= w.row_hi)) continue;
    if (shared) {
      slot_[static_cast<size_t>(b)] = static_cast<int32_t>(ids_.size());
      ids_.push_back(b);
    }
    blocks_.emplace_back(calendar_window);
    blocks_.back().set_box(lattice, grid_.box(b).lo, grid_.box(b).hi);
  }
  if (!shared || w.row_lo >= w.row_hi) return;  // (more ranks than block rows: none here)
  // The region a rank's blocks write: its rows and their halo (at most half a block deep).
  const int lo = std::max(-1, w.row_lo - grid_.edge() / 2);
  const int hi = std::min(lattice.rows() + 1, w.row_hi + grid_.edge() / 2);
  const SiteId region_lo = planes ? lattice.index(-1, -1, lo) : lattice.index(-1, lo, 0);
  const SiteId region_hi = planes ? lattice.index(-1, -1, hi) : lattice.index(-1, hi, 0);
  // Other ranks' windows reach into this slab only as deep as the halo: the changes they need
  // are in the bands around its two ends.
  const SiteId depth = static_cast<SiteId>(lattice.halo_rows()) * lattice.row_sites();
  const SiteId low_end = std::min(w.own_hi, w.own_lo + depth);
  const SiteId high_start = std::max(low_end, w.own_hi - std::min(w.own_hi, depth));
  bands_ = {{{region_lo, low_end}, {high_start, region_hi}}};
}

void Domain::remember_region() {
  const auto& occ = lattice_.occupancy();
  before_.clear();
  for (const auto& [lo, hi] : bands_)
    before_.insert(before_.end(), occ.begin() + lo, occ.begin() + hi);
}

void Domain::share_phase() {
  auto& occ = lattice_.occupancy();
  std::vector<uint64_t> changed;  // site << 8 | occupancy
  size_t at = 0;
  for (const auto& [lo, hi] : bands_)
    for (SiteId s = lo; s < hi; ++s, ++at)
      if (occ[s] != before_[at]) changed.push_back(uint64_t{s} << 8 | occ[s]);
  const SiteWindow& w = lattice_.window();
  for (const uint64_t c : comm::all_gather(changed))
    if (w.contains(static_cast<SiteId>(c >> 8))) occ[c >> 8] = static_cast<uint8_t>(c & 0xFF);
  remember_region();
}

void Domain::share_freed() {
  std::vector<SiteId> mine;
  for (const auto& f : freed_) mine.insert(mine.end(), f.begin(), f.end());
  freed_.clear();
  auto& occ = lattice_.occupancy();
  for (const SiteId s : comm::all_gather(mine))
    if (lattice_.window().contains(s)) occ[s] = kFree;
}

void Domain::send_crossing() {
  crossing_.clear();
  for (AgentBlock& b : blocks_) {
    size_t kept = 0;
    for (const AgentRecord& a : b.outbox) {
      if (owns(block_of(a.site)))
        b.outbox[kept++] = a;
      else
        crossing_.push_back(a);
    }
    b.outbox.resize(kept);
  }
}

void Domain::receive_crossing() {
  for (const AgentRecord& a : comm::all_gather(crossing_)) {
    const int b = block_of(a.site);
    if (AgentBlock* block = held(b)) block->add(a);
  }
  crossing_.clear();
}

int64_t Domain::alive() const {
  int64_t n = 0;
  for (const AgentBlock& b : blocks_) n += b.alive();
  return n;
}

std::vector<AgentRecord> Domain::local_records() const {
  std::vector<AgentRecord> v;
  v.reserve(static_cast<size_t>(alive()));
  for_each([&](const AgentBlock& b, uint32_t i) { v.push_back(b.record(i)); });
  std::sort(v.begin(), v.end(),
            [](const AgentRecord& a, const AgentRecord& b) { return a.site < b.site; });
  return v;
}

void Domain::clear() {
  // Every occupied site, whichever rank holds its agent.
  auto& occ = lattice_.occupancy();
  for (SiteId s = lattice_.window().lo; s < lattice_.window().hi; ++s)
    if (occ[s] == kOccupied) occ[s] = kFree;
  for (size_t i = 0; i < blocks_.size(); ++i) {
    const Box& box = grid_.box(ids_.empty() ? static_cast<int>(i) : ids_[i]);
    blocks_[i] = AgentBlock(calendar_window_);
    blocks_[i].set_box(lattice_, box.lo, box.hi);
  }
}

}  // namespace marrow
