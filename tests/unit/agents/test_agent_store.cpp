// Agent columns and the calendar drain.
#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <vector>

#include "agents/agent_store.hpp"
#include "core/block_grid.hpp"
#include "core/random.hpp"

namespace marrow {
namespace {

AgentRecord agent(SiteId site, int32_t next, uint8_t type = 0) {
  AgentRecord a;
  a.site = site;
  a.type = type;
  a.next_step = next;
  return a;
}

// Every column of agents/agent_columns.hpp equal.
bool same(const AgentRecord& a, const AgentRecord& b) {
  bool eq = true;
#define MARROW_SAME_COLUMN(T, member, init, dataset) eq = eq && a.member == b.member;
  MARROW_AGENT_COLUMNS(MARROW_SAME_COLUMN)
#undef MARROW_SAME_COLUMN
  return eq;
}

// A record keeps every column through a block, in a fresh slot and in a reused one.
TEST(AgentBlock, KeepsEveryColumn) {
  AgentRecord a;
  int k = 3;
#define MARROW_FILL_COLUMN(T, member, init, dataset) a.member = static_cast<T>(k++);
  MARROW_AGENT_COLUMNS(MARROW_FILL_COLUMN)
#undef MARROW_FILL_COLUMN
  a.type = 7;  // not kDead
  AgentBlock block;
  const uint32_t fresh = block.add(a);
  EXPECT_TRUE(same(block.record(fresh), a));
  block.remove(fresh);
  a.clone = 99;
  const uint32_t reused = block.add(a);
  EXPECT_EQ(reused, fresh);
  EXPECT_TRUE(same(block.record(reused), a));
}

// Drains steps [from, to] and returns, per step, the sites called in call order. The event
// behaves like the fate kernel: it reschedules the agent (here, to never) so that it has no
// event left at the current step.
std::map<int64_t, std::vector<SiteId>> run(AgentBlock& block, int64_t from, int64_t to) {
  std::map<int64_t, std::vector<SiteId>> calls;
  for (int64_t step = from; step <= to; ++step)
    block.drain<true>(step, [&](uint32_t slot) {
      calls[step].push_back(block.site[slot]);
      block.reschedule(slot, kNever);
    });
  return calls;
}

TEST(AgentBlock, AddStoresEveryFieldAndCountsAlive) {
  AgentBlock block(16);
  AgentRecord a{42, 3, kDonor, kGeneModified, 7, 99, 5};
  const uint32_t s = block.add(a);
  EXPECT_EQ(s, 0u);
  EXPECT_EQ(block.alive(), 1);
  EXPECT_EQ(block.slots(), 1u);
  EXPECT_TRUE(same(block.record(s), a));
  EXPECT_EQ(block.calendar().window(), 16);
  const uint32_t t = block.add(agent(43, kNeverStep));
  EXPECT_EQ(t, 1u);
  EXPECT_EQ(block.alive(), 2);
  EXPECT_EQ(block.next_step[t], kNeverStep);
}

// A block without a calendar (window 0) scans its next-step column: through births, deaths,
// reschedules within and beyond a calendar's lap and never, slot reuse and slot counts that are
// not a multiple of the scan's 32, it takes the same slots in the same order as calendar blocks.
TEST(AgentBlock, ScanTakesWhatTheCalendarTakes) {
  const Stream stream(5);
  for (const bool canonical : {false, true}) {
    AgentBlock scan(0), ring(8);
    EXPECT_TRUE(scan.scans());
    EXPECT_FALSE(ring.scans());
    uint64_t n = 0;
    const auto add = [&](int64_t step) {
      const Draw d = stream.draw(n++, static_cast<uint64_t>(step), Purpose::kEvent);
      const SiteId site = d.w[0] % 100000;
      const int32_t when = static_cast<int32_t>(step + 1 + d.w[1] % 20);
      EXPECT_EQ(scan.add(agent(site, when)), ring.add(agent(site, when)));
    };
    for (int i = 0; i < 77; ++i) add(0);
    size_t taken = 0;
    for (int64_t step = 1; step < 60; ++step) {
      const auto a = canonical ? scan.due_by_site(step) : scan.take_due(step);
      const std::vector<uint32_t> got(a.begin(), a.end());
      const auto b = canonical ? ring.due_by_site(step) : ring.take_due(step);
      ASSERT_EQ(got, std::vector<uint32_t>(b.begin(), b.end())) << step;
      taken += got.size();
      for (const uint32_t slot : got) {
        const Draw d = stream.draw(slot, static_cast<uint64_t>(step), Purpose::kDaughter);
        if (d.u(0) < 0.3) {  // dies
          scan.remove(slot);
          ring.remove(slot);
          continue;
        }
        const int64_t when = d.u(1) < 0.1 ? kNever : step + 1 + d.w[2] % 20;
        scan.reschedule(slot, when);
        ring.reschedule(slot, when);
        if (d.u(3) < 0.6) add(step);
      }
      // A death between events (treatment, say): its slot keeps a future next step.
      const uint32_t victim =
          stream.draw(n++, static_cast<uint64_t>(step), Purpose::kTreatment).w[0] % scan.slots();
      if (scan.type[victim] != kDead && scan.next_step[victim] > step + 1) {
        scan.remove(victim);
        ring.remove(victim);
      }
      EXPECT_EQ(scan.alive(), ring.alive());
      EXPECT_EQ(scan.entries(step + 1), static_cast<size_t>(scan.alive()));
    }
    EXPECT_GT(taken, 300u);
  }
}

TEST(AgentBlock, RemovedSlotsAreReusedLastInFirstOut) {
  AgentBlock block(8);
  for (SiteId s = 0; s < 5; ++s) block.add(agent(100 + s, 50));
  block.remove(1);
  block.remove(3);
  EXPECT_EQ(block.alive(), 3);
  EXPECT_EQ(block.slots(), 5u);
  EXPECT_EQ(block.type[1], kDead);
  EXPECT_EQ(block.type[3], kDead);
  AgentRecord r{7, 2, kDonor, kQuiescent, 4, 11, 9};
  const uint32_t first = block.add(r);
  EXPECT_EQ(first, 3u);
  EXPECT_TRUE(same(block.record(first), r));  // every column overwritten, next_step too
  const uint32_t second = block.add(agent(8, 10, 1));
  EXPECT_EQ(second, 1u);
  EXPECT_EQ(block.slots(), 5u);
  EXPECT_EQ(block.add(agent(9, 10)), 5u);  // no free slot left: a new one
  EXPECT_EQ(block.alive(), 6);
}

TEST(AgentBlock, RescheduleClampsToNever) {
  AgentBlock block(8);
  const uint32_t s = block.add(agent(1, 3));
  block.reschedule(s, int64_t{kNeverStep} + 5);
  EXPECT_EQ(block.next_step[s], kNeverStep);
  block.reschedule(s, kNever);
  EXPECT_EQ(block.next_step[s], kNeverStep);
  block.reschedule(s, 6);
  EXPECT_EQ(block.next_step[s], 6);
}

TEST(AgentBlock, DrainCallsExactlyTheDueAgentsInSiteOrder) {
  AgentBlock block(8);
  // Added in scrambled site order; due steps 2 and 3.
  const std::vector<std::pair<SiteId, int32_t>> spec = {{50, 2}, {10, 3}, {30, 2}, {20, 2},
                                                        {40, 3}, {5, 2},  {60, 9}};
  for (const auto& [site, next] : spec) block.add(agent(site, next));
  const auto calls = run(block, 0, 8);
  EXPECT_EQ(calls.count(0), 0u);
  EXPECT_EQ(calls.count(1), 0u);
  ASSERT_EQ(calls.count(2), 1u);
  EXPECT_EQ(calls.at(2), (std::vector<SiteId>{5, 20, 30, 50}));
  ASSERT_EQ(calls.count(3), 1u);
  EXPECT_EQ(calls.at(3), (std::vector<SiteId>{10, 40}));
  for (int64_t s = 4; s <= 8; ++s) EXPECT_EQ(calls.count(s), 0u) << s;
  // The agent due at 9 (bucket 1, one lap later) is called at 9.
  const auto later = run(block, 9, 9);
  ASSERT_EQ(later.count(9), 1u);
  EXPECT_EQ(later.at(9), (std::vector<SiteId>{60}));
}

TEST(AgentBlock, SiteOrderDoesNotDependOnSlotHistory) {
  // The same agents in two blocks with different slot histories are called in the same order.
  AgentBlock a(4), b(4);
  for (SiteId s : {9u, 3u, 7u, 1u}) a.add(agent(s, 6));
  for (SiteId s : {100u, 101u}) b.add(agent(s, kNeverStep));
  b.remove(0);
  b.remove(1);
  for (SiteId s : {7u, 1u, 3u, 9u}) b.add(agent(s, 6));
  const auto ca = run(a, 0, 6), cb = run(b, 0, 6);
  EXPECT_EQ(ca.at(6), (std::vector<SiteId>{1, 3, 7, 9}));
  EXPECT_EQ(cb.at(6), ca.at(6));
}

// A block that knows its box orders its due agents through a bit per site of the box: the same
// order as the sort, in 2D and 3D, at every density, with repeated entries, and (falling back
// to the sort) with an agent outside the box.
TEST(AgentBlock, DueBySiteThroughTheBoxEqualsTheSort) {
  for (const int nz : {1, 9}) {
    const Lattice lattice(23, 17, nz, Neighbourhood::kMoore);
    const Coord lo{5, 3, nz > 1 ? 2 : 0}, hi{19, 14, nz > 1 ? 7 : 1};
    std::vector<SiteId> inside;
    for (int z = lo.z; z < hi.z; ++z)
      for (int y = lo.y; y < hi.y; ++y)
        for (int x = lo.x; x < hi.x; ++x) inside.push_back(lattice.index(x, y, z));
    const Stream stream(11);
    for (int trial = 0; trial < 40; ++trial) {
      AgentBlock boxed(8), sorted(8);
      boxed.set_box(lattice, lo, hi);
      const bool stray = trial % 10 == 9;  // one agent beyond the box's right edge
      for (size_t i = 0; i < inside.size(); ++i) {
        const Draw d =
            stream.draw(static_cast<uint64_t>(i), static_cast<uint64_t>(trial), Purpose::kEvent);
        if (d.u(0) * 40 > trial + 1) continue;  // densities from 1/40 to all
        const int32_t when = static_cast<int32_t>(d.w[1] % 3);
        for (AgentBlock* b : {&boxed, &sorted}) {
          const uint32_t slot = b->add(agent(inside[i], when));
          if (d.u(2) < 0.2) b->reschedule(slot, when);  // entered twice
        }
      }
      if (stray)
        for (AgentBlock* b : {&boxed, &sorted})
          b->add(agent(lattice.index(hi.x + 1, lo.y + 1, lo.z), 1));
      for (int64_t step = 0; step < 3; ++step) {
        const auto a = boxed.due_by_site(step);
        const std::vector<uint32_t> got(a.begin(), a.end());
        const auto b = sorted.due_by_site(step);
        EXPECT_EQ(got, std::vector<uint32_t>(b.begin(), b.end())) << nz << " " << trial;
        std::vector<SiteId> sites;
        for (const uint32_t slot : got) sites.push_back(boxed.site[slot]);
        EXPECT_TRUE(std::is_sorted(sites.begin(), sites.end()));
        EXPECT_EQ(std::adjacent_find(sites.begin(), sites.end()), sites.end());
      }
    }
  }
}

// merge_outboxes puts each record in the block holding its site, in the order of the gathering
// it documents (receiving block by receiving block, senders in increasing order, each outbox in
// order), whether few records move (one pass over them) or many (gathered in parallel).
TEST(MergeOutboxes, AddsEveryRecordToItsBlockInTheDocumentedOrder) {
  const Lattice lattice(64, 48, 1, Neighbourhood::kMoore);
  const BlockGrid grid(lattice, 16);
  const Stream stream(3);
  bool few = false, many = false;  // both ways of merging were run
  for (const int count : {0, 7, 300, 2000, 4000, 20000}) {
    std::vector<AgentBlock> blocks(static_cast<size_t>(grid.count()), AgentBlock(8));
    std::vector<std::vector<SiteId>> expected(blocks.size());
    // Records from each block to a site within two sites of its box (a neighbour's or its own
    // halo), drawn per block.
    for (int i = 0; i < count; ++i) {
      const Draw d =
          stream.draw(static_cast<uint64_t>(i), static_cast<uint64_t>(count), Purpose::kEvent);
      const int from = static_cast<int>(d.w[0] % static_cast<uint32_t>(grid.count()));
      const Box& box = grid.box(from);
      Coord c{box.lo.x - 2 + static_cast<int>(d.w[1] % 20),
              box.lo.y - 2 + static_cast<int>(d.w[2] % 20), 0};
      c.x = std::clamp(c.x, 0, lattice.nx() - 1);
      c.y = std::clamp(c.y, 0, lattice.ny() - 1);
      if (grid.block_of(c) == from) continue;  // (an outbox holds others' agents only)
      AgentRecord a = agent(lattice.index(c), static_cast<int32_t>(d.w[3] % 8));
      a.clone = static_cast<uint32_t>(i);
      blocks[static_cast<size_t>(from)].outbox.push_back(a);
    }
    for (int d = 0; d < grid.count(); ++d)
      for (const int from : grid.neighbours(d))
        for (const AgentRecord& a : blocks[static_cast<size_t>(from)].outbox)
          if (grid.block_of(lattice.coord(a.site)) == d)
            expected[static_cast<size_t>(d)].push_back(a.clone);
    merge_outboxes(blocks, grid, lattice);
    size_t added = 0;
    for (size_t d = 0; d < blocks.size(); ++d) {
      EXPECT_TRUE(blocks[d].outbox.empty());
      EXPECT_EQ(std::vector<uint32_t>(blocks[d].clone.begin(), blocks[d].clone.end()), expected[d])
          << count << " " << d;
      added += blocks[d].clone.size();
    }
    size_t sent = 0;
    for (const auto& e : expected) sent += e.size();
    EXPECT_EQ(added, sent);
    few |= sent > 0 && sent < 1024;
    many |= sent >= 1024;
  }
  EXPECT_TRUE(few && many);
}

TEST(AgentBlock, AgentDueBeyondTheWindowWaitsForItsLap) {
  AgentBlock block(8);
  block.add(agent(77, 20));  // bucket 20 % 8 = 4, visited at steps 4 and 12 first
  std::vector<int64_t> called_at;
  for (int64_t step = 0; step <= 40; ++step)
    block.drain<true>(step, [&](uint32_t slot) {
      called_at.push_back(step);
      block.reschedule(slot, kNever);
    });
  EXPECT_EQ(called_at, (std::vector<int64_t>{20}));
}

TEST(AgentBlock, RepeatedLapsAndManyAgents) {
  // Every agent due within 10 windows is called exactly once, at its step.
  AgentBlock block(4);
  std::map<SiteId, int64_t> due;
  for (SiteId s = 0; s < 200; ++s) {
    const int32_t when = static_cast<int32_t>((s * 37) % 41);
    due[s] = when;
    block.add(agent(s, when));
  }
  std::map<SiteId, std::vector<int64_t>> called;
  for (int64_t step = 0; step <= 45; ++step)
    block.drain<true>(step, [&](uint32_t slot) {
      called[block.site[slot]].push_back(step);
      block.reschedule(slot, kNever);
    });
  ASSERT_EQ(called.size(), due.size());
  for (const auto& [site, when] : due) EXPECT_EQ(called[site], (std::vector<int64_t>{when}));
}

TEST(AgentBlock, StaleEntriesOfRescheduledAgentsAreNotCalled) {
  AgentBlock block(8);
  const uint32_t a = block.add(agent(1, 3));
  const uint32_t b = block.add(agent(2, 3));
  const uint32_t c = block.add(agent(3, 5));
  block.reschedule(a, 6);   // earlier entry at 3 is stale (other bucket)
  block.reschedule(b, 11);  // earlier entry at 3 is stale (same bucket, next lap)
  block.reschedule(c, 2);   // moved earlier: its entry at 5 is stale
  const auto calls = run(block, 0, 16);
  std::map<SiteId, std::vector<int64_t>> when;
  for (const auto& [step, sites] : calls)
    for (const SiteId s : sites) when[s].push_back(step);
  EXPECT_EQ(when[1], (std::vector<int64_t>{6}));
  EXPECT_EQ(when[2], (std::vector<int64_t>{11}));
  EXPECT_EQ(when[3], (std::vector<int64_t>{2}));
}

TEST(AgentBlock, RemovedAgentsAreNotCalled) {
  AgentBlock block(8);
  block.add(agent(1, 4));
  const uint32_t gone = block.add(agent(2, 4));
  const uint32_t gone_late = block.add(agent(3, 12));
  block.remove(gone);
  block.remove(gone_late);
  const auto calls = run(block, 0, 20);
  ASSERT_EQ(calls.size(), 1u);
  EXPECT_EQ(calls.at(4), (std::vector<SiteId>{1}));
}

TEST(AgentBlock, AgentRemovedByAnEarlierEventInTheSameDrainIsNotCalled) {
  AgentBlock block(8);
  const uint32_t first = block.add(agent(1, 3));
  const uint32_t second = block.add(agent(2, 3));
  std::vector<SiteId> called;
  block.drain<true>(3, [&](uint32_t slot) {
    called.push_back(block.site[slot]);
    if (slot == first) block.remove(second);  // e.g. killed by its neighbour's event
    block.reschedule(slot, kNever);
  });
  EXPECT_EQ(called, (std::vector<SiteId>{1}));
  EXPECT_EQ(block.alive(), 1);
}

TEST(AgentBlock, ReusedSlotIsCalledAtTheNewAgentsStepOnly) {
  AgentBlock block(8);
  const uint32_t s = block.add(agent(1, 5));
  block.remove(s);
  EXPECT_EQ(block.add(agent(9, 7)), s);  // the old entry at 5 is now stale
  const auto calls = run(block, 0, 10);
  ASSERT_EQ(calls.size(), 1u);
  EXPECT_EQ(calls.at(7), (std::vector<SiteId>{9}));
}

TEST(AgentBlock, EventsRescheduledWithinTheDrainWaitForTheirStep) {
  // An event that reschedules its agent one window later (same bucket) is not called again in
  // this drain, and is called a window later.
  AgentBlock block(4);
  block.add(agent(5, 1));
  std::vector<int64_t> called;
  for (int64_t step = 0; step <= 12; ++step)
    block.drain<true>(step, [&](uint32_t slot) {
      called.push_back(step);
      block.reschedule(slot, step + 4);
    });
  EXPECT_EQ(called, (std::vector<int64_t>{1, 5, 9}));
}

TEST(AgentBlock, DrainCallsEachDueAgentOnceEvenWithDuplicateEntries) {
  // Rescheduling an agent that still has a calendar entry leaves two entries. When both end
  // up in the bucket of the due step (same step, or a step one or more windows later), the
  // slot is in due_ twice and the event runs twice unless the event itself moved next_step.
  // The fate kernel always reschedules in its event, so the simulation is not affected today.
  AgentBlock same_step(8);
  const uint32_t a = same_step.add(agent(1, 5));
  same_step.reschedule(a, 5);
  int calls = 0;
  same_step.drain<true>(5, [&](uint32_t) { ++calls; });
  EXPECT_EQ(calls, 1);
  AgentBlock next_lap(8);
  const uint32_t b = next_lap.add(agent(1, 3));
  next_lap.reschedule(b, 11);  // same bucket as 3, one lap later
  calls = 0;
  for (int64_t step = 0; step <= 11; ++step) next_lap.drain<true>(step, [&](uint32_t) { ++calls; });
  EXPECT_EQ(calls, 1);
}

TEST(AgentBlock, RebuildCalendarRestoresTheSchedule) {
  AgentBlock block(8);
  block.add(agent(4, 6));
  block.add(agent(2, 14));
  const uint32_t dead = block.add(agent(3, 6));
  block.add(agent(1, kNeverStep));
  block.remove(dead);
  block.calendar().clear();
  EXPECT_TRUE(run(block, 0, 20).empty());  // nothing scheduled after clearing
  for (uint32_t i = 0; i < block.slots(); ++i)
    if (block.type[i] != kDead && block.next_step[i] != kNeverStep)
      block.next_step[i] += 21;  // 27 and 35
  block.rebuild_calendar();
  const auto calls = run(block, 21, 40);
  ASSERT_EQ(calls.size(), 2u);
  EXPECT_EQ(calls.at(27), (std::vector<SiteId>{4}));
  EXPECT_EQ(calls.at(35), (std::vector<SiteId>{2}));
}

TEST(AgentBlock, NonCanonicalDrainCallsTheSameAgents) {
  AgentBlock block(8);
  for (SiteId s : {30u, 10u, 20u}) block.add(agent(s, 2));
  std::vector<SiteId> called;
  block.drain<false>(2, [&](uint32_t slot) {
    called.push_back(block.site[slot]);
    block.reschedule(slot, kNever);
  });
  std::sort(called.begin(), called.end());
  EXPECT_EQ(called, (std::vector<SiteId>{10, 20, 30}));
}

TEST(AgentBlock, TakeDueGivesEachDueSlotOnceInSlotOrderAndKeepsLaterLaps) {
  AgentBlock block(8);
  for (SiteId s : {50u, 40u, 30u, 20u, 10u}) block.add(agent(s, 3));  // slots 0..4 due at 3
  block.reschedule(1, 3);   // entered twice for step 3: taken once
  block.reschedule(2, 11);  // the next lap of the same bucket: stays
  block.remove(4);          // dead: dropped
  const std::span<const uint32_t> due = block.take_due(3);
  EXPECT_EQ(std::vector<uint32_t>(due.begin(), due.end()), (std::vector<uint32_t>{0, 1, 3}));
  for (const uint32_t slot : {0u, 1u, 3u}) block.reschedule(slot, kNever);
  EXPECT_TRUE(block.take_due(3).empty());
  const std::span<const uint32_t> later = block.take_due(11);
  EXPECT_EQ(std::vector<uint32_t>(later.begin(), later.end()), (std::vector<uint32_t>{2}));
}

}  // namespace
}  // namespace marrow
