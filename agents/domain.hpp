#pragma once
// The agents in space: the lattice's occupancy, the block grid, the blocks of agents and their
// outboxes, kept consistent with each other. Whatever puts an agent on a site, takes it off or
// moves it between blocks goes through here, so the biology works with sites, records and
// per-agent visits, never with which block (or, in a distributed build, which process) holds
// an agent. The fate kernel is the one writer inside a block: `events` runs it colour by colour.
//
// Distributed (several MPI ranks, core/comm.hpp): each rank holds the agents of a slab of whole
// block rows along the lattice's slowest axis; the occupancy is known to every rank. After each
// colour phase a rank sends the sites it changed in its slab and halo, and agents that crossed
// into another rank's block go to that rank. Removals, relocations and placements are resolved
// identically on every rank. The result is the same as one process's, whatever the rank count:
// draws are keyed by site and step, events run in site order within a block, and every
// reduction is over integers or in site order.
#include <algorithm>
#include <array>
#include <cstdint>
#include <cstring>
#include <span>
#include <vector>

#include "agents/agent_store.hpp"
#include "core/block_grid.hpp"
#include "core/comm.hpp"
#include "core/lattice.hpp"
#include "core/parallel.hpp"

namespace marrow {

class Domain {
 public:
  // `lattice` holds the occupancy this domain keeps; it must outlive the domain.
  Domain(Lattice& lattice, int block_edge, int calendar_window);

  const BlockGrid& grid() const { return grid_; }
  // Per padded site: what the window holds (core/lattice.hpp).
  const SiteVector<uint8_t>& occupancy() const { return lattice_.occupancy(); }
  bool is_free(SiteId s) const { return lattice_.occupancy()[s] == kFree; }

  // Puts an agent on its site, which must be free. Distributed, every rank calls it for the
  // agents placed in its window (or for every one), and the rank that holds the site's block
  // keeps the agent.
  void place(const AgentRecord& a) {
    if (!lattice_.window().contains(a.site)) return;
    lattice_.occupancy()[a.site] = kOccupied;
    const int b = block_of(a.site);
    if (AgentBlock* block = held(b)) block->add(a);
  }
  // Whether this rank holds the agents of block b.
  bool owns(int b) const { return slot_.empty() || slot_[static_cast<size_t>(b)] >= 0; }
  // Removes every agent for which keep(block, slot) is false, freeing its site. Blocks are
  // visited in parallel when `parallel`: `keep` must depend on its agent alone.
  template <class Keep>
  void remove_unless(Keep&& keep, bool parallel) {
    auto& occ = lattice_.occupancy();
    const bool shared = comm::size() > 1;
    if (shared) freed_.assign(blocks_.size(), {});
    parallel_for(
        static_cast<int64_t>(blocks_.size()),
        [&](int64_t bi) {
          AgentBlock& b = blocks_[static_cast<size_t>(bi)];
          for (uint32_t i = 0; i < b.slots(); ++i) {
            if (b.type[i] == kDead || keep(static_cast<const AgentBlock&>(b), i)) continue;
            occ[b.site[i]] = kFree;
            if (shared) freed_[static_cast<size_t>(bi)].push_back(b.site[i]);
            b.remove(i);
          }
        },
        parallel);
    if (shared) share_freed();
  }
  // Relocation: takes every agent of the given types for which leave(block, slot) is true off
  // its site, calls departed(records of the leaving agents, by site), then, in that order
  // (whatever the blocks' history), lets arrive(record) choose each one's new site (a free one,
  // or the one it left) and next event, and places it there. Returns the number of agents that
  // left; with none, neither departed nor arrive is called. (Agents of other types are passed
  // over eight at a time, without asking leave.)
  template <class Leave, class Departed, class Arrive>
  int64_t relocate(std::span<const uint8_t> types, Leave&& leave, Departed&& departed,
                   Arrive&& arrive) {
    std::vector<AgentRecord> moving;
    auto& occ = lattice_.occupancy();
    constexpr uint64_t kOnes = 0x0101010101010101ull, kHighs = 0x8080808080808080ull;
    for (AgentBlock& b : blocks_) {
      const auto ask = [&](uint32_t i) {
        if (std::find(types.begin(), types.end(), b.type[i]) == types.end() ||
            !leave(static_cast<const AgentBlock&>(b), i))
          return;
        moving.push_back(b.record(i));
        occ[b.site[i]] = kFree;
        b.remove(i);
      };
      const uint32_t n = b.slots();
      uint32_t i = 0;
      for (; i + 8 <= n; i += 8) {
        uint64_t eight;
        std::memcpy(&eight, b.type.data() + i, 8);
        uint64_t any = 0;  // a byte equal to one of the types (a zero byte of eight ^ type)
        for (const uint8_t t : types) {
          const uint64_t x = eight ^ (kOnes * t);
          any |= (x - kOnes) & ~x & kHighs;
        }
        if (any != 0)
          for (uint32_t j = i; j < i + 8; ++j) ask(j);
      }
      for (; i < n; ++i) ask(i);
    }
    if (comm::size() > 1) {
      // Every rank resolves every arrival, in the same order, on the same occupancy.
      moving = comm::all_gather(moving);
      for (const AgentRecord& a : moving)
        if (lattice_.window().contains(a.site)) occ[a.site] = kFree;
    }
    if (moving.empty()) return 0;  // (on every rank alike: all have the same agents moving)
    std::sort(moving.begin(), moving.end(),
              [](const AgentRecord& a, const AgentRecord& b) { return a.site < b.site; });
    departed(static_cast<const std::vector<AgentRecord>&>(moving));
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
  // Calls f(k, block) for each block this rank holds (k: its index among them), side by side
  // when `parallel` (f may write only what block k owns).
  template <class F>
  void for_each_block(F&& f, bool parallel) const {
    parallel_for(
        static_cast<int64_t>(blocks_.size()),
        [&](int64_t k) { f(static_cast<size_t>(k), blocks_[static_cast<size_t>(k)]); }, parallel);
  }
  size_t blocks_held() const { return blocks_.size(); }
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
    events(
        step, [](const AgentBlock&, std::span<const uint32_t>) {},
        [&](AgentBlock& block, int b, uint32_t slot, size_t) { event(block, b, slot); });
  }
  // The same, with prepare(block, due) called first on each block's due slots in the order of
  // their events (AgentBlock::due_by_site), and event(block, b, slot, i) told the slot's place i
  // in that list: a block's draws can be made together.
  template <class Prepare, class Event>
  void events(int64_t step, Prepare&& prepare, Event&& event) {
    const bool shared = comm::size() > 1;
    if (shared) remember_region();
    colour_sweep(
        grid_,
        [&](int b) {
          AgentBlock* block = held(b);
          if (block == nullptr) return;  // another rank's
          const std::span<const uint32_t> due = block->due_by_site(step);
          prepare(*block, due);
          for (size_t i = 0; i < due.size(); ++i) {
            const uint32_t slot = due[i];
            if (block->type[slot] != kDead && block->next_step[slot] == step)
              event(*block, b, slot, i);
          }
        },
        worth_parallel(entries(blocks_, step)),
        [&] {
          if (shared) share_phase();
        });
    if (shared) send_crossing();
    merge_outboxes(blocks_, grid_, lattice_, slot_, ids_);
    if (shared) receive_crossing();
  }

  // The agents this rank holds (all of them in one process).
  int64_t alive() const;
  // The agents of every rank (collective).
  int64_t total_alive() const { return comm::sum(alive()); }
  // Every agent, ordered by site (a canonical order, whatever the blocks' history). Collective:
  // distributed, rank 0 gets them all and the other ranks none.
  // (Slabs follow each other in site order: rank by rank, the records stay in site order.)
  std::vector<AgentRecord> records() const { return comm::root_gather(local_records()); }
  // The agents this rank holds, ordered by site.
  std::vector<AgentRecord> local_records() const;
  // Removes every agent and frees its site.
  void clear();

 private:
  int block_of(SiteId s) const { return grid_.block_of(lattice_.coord(s)); }
  // Distributed: the occupancy of this rank's bands as it was at the start of a colour phase;
  // then, after the phase, every rank's changes applied where they fall in a window.
  void remember_region();
  void share_phase();
  void share_freed();
  // Agents that crossed into another rank's block: out of the outboxes before the local merge,
  // then into the receiving rank's blocks after it.
  void send_crossing();
  void receive_crossing();

  Lattice& lattice_;
  BlockGrid grid_;
  int calendar_window_;
  // The blocks this rank holds: every block in one process; distributed, its slab's, with the
  // index of each block among them (-1: another rank's) and the block of each.
  std::vector<AgentBlock> blocks_;
  std::vector<int32_t> slot_, ids_;
  AgentBlock* held(int b) {
    if (slot_.empty()) return &blocks_[static_cast<size_t>(b)];
    const int32_t i = slot_[static_cast<size_t>(b)];
    return i < 0 ? nullptr : &blocks_[static_cast<size_t>(i)];
  }
  // Distributed only.
  // The sites this rank's blocks may write (its slab and half a block beyond) that other ranks'
  // windows hold: two bands, [first, last) each, around the ends of the slab.
  std::array<std::array<SiteId, 2>, 2> bands_{};
  std::vector<uint8_t> before_;  // their occupancy at the start of the phase
  std::vector<std::vector<SiteId>> freed_;
  std::vector<AgentRecord> crossing_;
};

}  // namespace marrow
