#include "agents/agent_store.hpp"

#include <algorithm>

namespace marrow {

void AgentBlock::rebuild_calendar() {
  calendar_.clear();
  if (scan_) return;
  for (uint32_t i = 0; i < slots(); ++i)
    if (type[i] != kDead && next_step[i] != kNeverStep) calendar_.push(next_step[i], i);
}

void merge_outboxes(std::vector<AgentBlock>& blocks, const BlockGrid& grid, const Lattice& lattice,
                    std::span<const int32_t> slot, std::span<const int32_t> ids) {
  size_t moving = 0;
  for (const AgentBlock& b : blocks) moving += b.outbox.size();
  if (moving == 0) return;
  const int n = static_cast<int>(blocks.size());
  if (moving < 1024) {
    // Few (a step of the model): each record straight to its block, in the order the gathering
    // pass below adds them: by receiving block, then by sending block (held in increasing block
    // order), then in outbox order. The pass visits every block's neighbours.
    struct Move {
      int32_t to, from;  // indices into blocks
      uint32_t j;        // into the sender's outbox
    };
    thread_local std::vector<Move> moves, order;
    thread_local std::vector<uint32_t> first;  // per receiving block, its first place in order
    moves.clear();
    first.assign(static_cast<size_t>(n) + 1, 0);
    for (int i = 0; i < n; ++i) {
      const AgentBlock& b = blocks[static_cast<size_t>(i)];
      for (size_t j = 0; j < b.outbox.size(); ++j) {
        const int d = grid.block_of(lattice.coord(b.outbox[j].site));
        const int32_t to = slot.empty() ? d : slot[static_cast<size_t>(d)];
        moves.push_back({to, i, static_cast<uint32_t>(j)});
        ++first[static_cast<size_t>(to) + 1];
      }
    }
    // Made in (sender, outbox) order: a stable counting sort by receiver gives the order above.
    for (int i = 0; i < n; ++i) first[static_cast<size_t>(i) + 1] += first[static_cast<size_t>(i)];
    order.resize(moves.size());
    for (const Move& m : moves) order[first[static_cast<size_t>(m.to)]++] = m;
    for (const Move& m : order)
      blocks[static_cast<size_t>(m.to)].add(blocks[static_cast<size_t>(m.from)].outbox[m.j]);
    for (const Move& m : moves) blocks[static_cast<size_t>(m.from)].outbox.clear();
    return;
  }
  // The block each record goes to, once per record (the gathering pass below visits every
  // outbox from each of its block's neighbours).
  parallel_for(
      n,
      [&](int64_t from) {
        AgentBlock& b = blocks[static_cast<size_t>(from)];
        b.outbox_to.resize(b.outbox.size());
        for (size_t j = 0; j < b.outbox.size(); ++j)
          b.outbox_to[j] = grid.block_of(lattice.coord(b.outbox[j].site));
      },
      moving >= 1024);
  parallel_for(
      n,
      [&](int64_t i) {
        const int d = ids.empty() ? static_cast<int>(i) : ids[static_cast<size_t>(i)];
        for (const int from : grid.neighbours(d)) {
          const int32_t k = slot.empty() ? from : slot[static_cast<size_t>(from)];
          if (k < 0) continue;  // not held here
          const AgentBlock& src = blocks[static_cast<size_t>(k)];
          for (size_t j = 0; j < src.outbox.size(); ++j)
            if (src.outbox_to[j] == d) blocks[static_cast<size_t>(i)].add(src.outbox[j]);
        }
      },
      moving >= 1024);
  for (AgentBlock& b : blocks) b.outbox.clear();
}

}  // namespace marrow
