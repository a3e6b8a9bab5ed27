#include "agents/domain.hpp"

#include <algorithm>

namespace marrow {

Domain::Domain(Lattice& lattice, int block_edge, int calendar_window)
    : lattice_(lattice), grid_(lattice, block_edge), calendar_window_(calendar_window) {
  blocks_.reserve(static_cast<size_t>(grid_.count()));
  for (int b = 0; b < grid_.count(); ++b) blocks_.emplace_back(calendar_window);
}

int64_t Domain::alive() const {
  int64_t n = 0;
  for (const AgentBlock& b : blocks_) n += b.alive();
  return n;
}

std::vector<AgentRecord> Domain::records() const {
  std::vector<AgentRecord> all;
  all.reserve(static_cast<size_t>(alive()));
  for_each([&](const AgentBlock& b, uint32_t i) { all.push_back(b.record(i)); });
  std::sort(all.begin(), all.end(),
            [](const AgentRecord& a, const AgentRecord& b) { return a.site < b.site; });
  return all;
}

void Domain::clear() {
  auto& occ = lattice_.occupancy();
  for (AgentBlock& b : blocks_) {
    for (uint32_t i = 0; i < b.slots(); ++i)
      if (b.type[i] != kDead) occ[b.site[i]] = kFree;
    b = AgentBlock(calendar_window_);
  }
}

}  // namespace marrow
