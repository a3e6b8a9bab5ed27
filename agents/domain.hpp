#pragma once
// The agents in space: the lattice's occupancy, the block grid, the blocks of agents and their
// outboxes, kept consistent with each other. Whatever puts an agent on a site, takes it off or
// moves it between blocks goes through here, so the biology works with sites, records and
// per-agent visits, never with which block (or, in a distributed build, which process) holds
// an agent. The fate kernel is the one writer inside a block: `events` runs it colour by colour.
#include <cstdint>
#include <vector>

#include "agents/agent_store.hpp"
#include "core/block_grid.hpp"
#include "core/lattice.hpp"
#include "core/parallel.hpp"

namespace marrow {

class Domain {
 public:
  // `lattice` holds the occupancy this domain keeps; it must outlive the domain.
  Domain(Lattice& lattice, int block_edge, int calendar_window);

  const Lattice& lattice() const { return lattice_; }
  const BlockGrid& grid() const { return grid_; }
  const std::vector<uint8_t>& occupancy() const { return lattice_.occupancy(); }
  bool is_free(SiteId s) const { return lattice_.occupancy()[s] == kFree; }
  bool is_occupied(SiteId s) const { return lattice_.occupancy()[s] == kOccupied; }

  // Puts an agent on its site, which must be free.
  void place(const AgentRecord& a) {
    lattice_.occupancy()[a.site] = kOccupied;
    blocks_[static_cast<size_t>(block_of(a.site))].add(a);
  }
  // Removes every agent for which keep(block, slot) is false, freeing its site. Blocks are
  // visited in parallel when `parallel`: `keep` must depend on its agent alone.
  template <class Keep>
  void remove_unless(Keep&& keep, bool parallel) {
    auto& occ = lattice_.occupancy();
    parallel_for(
        static_cast<int64_t>(blocks_.size()),
        [&](int64_t bi) {
          AgentBlock& b = blocks_[static_cast<size_t>(bi)];
          for (uint32_t i = 0; i < b.slots(); ++i) {
            if (b.type[i] == kDead || keep(static_cast<const AgentBlock&>(b), i)) continue;
            occ[b.site[i]] = kFree;
            b.remove(i);
          }
        },
        parallel);
  }
  // Relocation: takes every agent for which leave(block, slot) is true off its site, then, in
  // order of the sites they left (whatever the blocks' history), lets arrive(record) choose each
  // one's new site (a free one, or the one it left) and next event, and places it there.
  // Returns the number of agents that left.
  template <class Leave, class Arrive>
  int64_t relocate(Leave&& leave, Arrive&& arrive) {
    std::vector<AgentRecord> moving;
    auto& occ = lattice_.occupancy();
    for (AgentBlock& b : blocks_)
      for (uint32_t i = 0; i < b.slots(); ++i) {
        if (b.type[i] == kDead || !leave(static_cast<const AgentBlock&>(b), i)) continue;
        moving.push_back(b.record(i));
        occ[b.site[i]] = kFree;
        b.remove(i);
      }
    std::sort(moving.begin(), moving.end(),
              [](const AgentRecord& a, const AgentRecord& b) { return a.site < b.site; });
    for (AgentRecord& a : moving) {
      arrive(a);
      place(a);
    }
    return static_cast<int64_t>(moving.size());
  }
  // Calls f(block, slot) for every agent; blocks in parallel when `parallel` (f may change its
  // own agent's columns other than the site, and reschedule it).
  template <class F>
  void for_each(F&& f, bool parallel) {
    parallel_for(
        static_cast<int64_t>(blocks_.size()),
        [&](int64_t bi) {
          AgentBlock& b = blocks_[static_cast<size_t>(bi)];
          for (uint32_t i = 0; i < b.slots(); ++i)
            if (b.type[i] != kDead) f(b, i);
        },
        parallel);
  }
  // Calls f(block, slot) for every agent, in block and slot order.
  template <class F>
  void for_each(F&& f) const {
    for (const AgentBlock& b : blocks_)
      for (uint32_t i = 0; i < b.slots(); ++i)
        if (b.type[i] != kDead) f(b, i);
  }

  // The events due at `step`: event(block, b, slot) for each due agent, the blocks of one
  // colour side by side, in site order within a block; then the agents that crossed into
  // another block join it.
  template <class Event>
  void events(int64_t step, Event&& event) {
    colour_sweep(
        grid_,
        [&](int b) {
          AgentBlock& block = blocks_[static_cast<size_t>(b)];
          block.drain<true>(step, [&](uint32_t slot) { event(block, b, slot); });
        },
        worth_parallel(entries(blocks_, step)));
    merge_outboxes(blocks_, grid_, lattice_);
  }

  int64_t alive() const;
  // Every agent, ordered by site (a canonical order, whatever the blocks' history).
  std::vector<AgentRecord> records() const;
  // Removes every agent and frees its site.
  void clear();

 private:
  int block_of(SiteId s) const { return grid_.block_of(lattice_.coord(s)); }

  Lattice& lattice_;
  BlockGrid grid_;
  int calendar_window_;
  std::vector<AgentBlock> blocks_;
};

}  // namespace marrow
