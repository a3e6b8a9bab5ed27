#pragma once
// Agents as columns: one array per field, one set per spatial block. A slot indexes every
// column; a dead slot (type kDead) is reused by the next birth in the block.
#include <algorithm>
#include <bit>
#include <cstdint>
#include <span>
#include <utility>
#include <vector>

#include "agents/agent_columns.hpp"
#include "core/block_grid.hpp"
#include "core/calendar.hpp"
#include "core/find_equal.hpp"
#include "core/lattice.hpp"
#include "core/site_vector.hpp"

namespace marrow {

inline constexpr uint8_t kDead = 255;
inline constexpr int32_t kNeverStep = INT32_MAX;

enum AgentFlag : uint8_t { kQuiescent = 1, kGeneModified = 2 };
// Bits 2-3 of the flags: the fate of a division waiting for room (0: none waiting).
inline constexpr int kPendingShift = 2;
inline constexpr uint8_t kPendingMask = 3 << kPendingShift;
enum Origin : uint8_t { kHost = 0, kDonor = 1 };

// One agent as a value: used to move agents between blocks and in snapshots.
struct AgentRecord {
#define MARROW_RECORD_MEMBER(T, member, init, dataset) T member = init;
  MARROW_AGENT_COLUMNS(MARROW_RECORD_MEMBER)
#undef MARROW_RECORD_MEMBER
};
static_assert(kNeverStep == INT32_MAX && kHost == 0, "the defaults of MARROW_AGENT_COLUMNS");

// On cache lines of its own: threads update neighbouring blocks side by side.
class alignas(64) AgentBlock {
 public:
  // calendar_window 0: no calendar; a take scans the next-step column instead (the same slots
  // in the same order). Where a sizeable share of the agents act every step, the scan reads
  // a column the events read and write anyway, and saves the calendar's entry per reschedule.
  explicit AgentBlock(int calendar_window = 256)
      : calendar_(calendar_window == 0 ? 1 : calendar_window), scan_(calendar_window == 0) {}

  // Adds an agent and schedules its next event; returns its slot. (Inline where a dead slot is
  // reused: every birth and every agent crossing into the block calls it.)
  uint32_t add(const AgentRecord& a) {
    if (free_.empty()) [[unlikely]]
      return append(a);
    const uint32_t slot = free_.back();
    free_.pop_back();
#define MARROW_SET_COLUMN(T, member, init, dataset) member[slot] = a.member;
    MARROW_AGENT_COLUMNS(MARROW_SET_COLUMN)
#undef MARROW_SET_COLUMN
    ++alive_;
    reschedule(slot, a.next_step);
    return slot;
  }
  // Marks the slot dead; the caller frees the lattice site.
  void remove(uint32_t slot) {
    type[slot] = kDead;
    next_step[slot] = kNeverStep;  // (so a scan need not read the type)
    free_.push_back(slot);
    --alive_;
  }
  AgentRecord record(uint32_t slot) const {
    AgentRecord a;
#define MARROW_READ_COLUMN(T, member, init, dataset) a.member = member[slot];
    MARROW_AGENT_COLUMNS(MARROW_READ_COLUMN)
#undef MARROW_READ_COLUMN
    return a;
  }
  void reschedule(uint32_t slot, int64_t step) {
    next_step[slot] = step >= kNeverStep ? kNeverStep : static_cast<int32_t>(step);
    if (!scan_) calendar_.push(next_step[slot] == kNeverStep ? kNever : step, slot);
  }

  int64_t alive() const { return alive_; }
  // An upper bound on the agents due at `step`: the calendar entries to look at, or (a block
  // that scans) the agents alive.
  size_t entries(int64_t step) const {
    return scan_ ? static_cast<size_t>(alive_) : calendar_.entries(step);
  }
  uint32_t slots() const { return static_cast<uint32_t>(site.size()); }
  Calendar& calendar() { return calendar_; }
  bool scans() const { return scan_; }

  // Runs event(slot) for every agent whose next event is at `step`, in order of site index when
  // `canonical` (so the order is a function of the state alone, not of the history of the
  // slots: a restored state continues identically). Entries due on a later lap of the ring
  // stay; stale entries are dropped. Without `canonical`, an event must reschedule or remove
  // its agent (a slot entered twice would otherwise act twice).
  template <bool canonical, class Event>
  void drain(int64_t step, Event&& event) {
    if constexpr (!canonical) {
      for (const uint32_t slot : take_due(step))
        if (type[slot] != kDead && next_step[slot] == step) event(slot);
      return;
    }
    for (const uint32_t slot : due_by_site(step))
      if (type[slot] != kDead && next_step[slot] == step) event(slot);
  }

  // The slots whose next event is at `step`, each once, in order of site index (the canonical
  // order of drain<true>); entries due on a later lap of the ring stay, stale ones are dropped.
  // An event must check that its agent is still alive and due (an earlier event of the step
  // may have removed or rescheduled it). Valid until the next take.
  std::span<const uint32_t> due_by_site(int64_t step) {
    take(step);
    // By site: through a bit per site of the block's box when it has one (set_box), else
    // (site, slot) pairs sorted as integers: by insertion when few, by comparison when some, else
    // by radix.
    if (box_.places > 0 && box_.places / 64 <= 4 * due_.size() + 64 && by_places()) return due_;
    keyed_.clear();
    uint32_t bound = 0;
    for (const uint32_t slot : due_) {
      keyed_.push_back((uint64_t{site[slot]} << 32) | slot);
      bound = std::max(bound, site[slot]);
    }
    if (keyed_.size() < 16) {
      for (size_t i = 1; i < keyed_.size(); ++i) {
        const uint64_t x = keyed_[i];
        size_t j = i;
        for (; j > 0 && keyed_[j - 1] > x; --j) keyed_[j] = keyed_[j - 1];
        keyed_[j] = x;
      }
    } else if (keyed_.size() < 512) {
      std::sort(keyed_.begin(), keyed_.end());
    } else {
      radix_passes(keyed_, keyed_buffer_, 32, bound);
    }
    for (size_t i = 0; i < keyed_.size(); ++i) due_[i] = static_cast<uint32_t>(keyed_[i]);
    return due_;
  }

  // The box of sites [lo, hi) that holds this block's agents: due_by_site then orders them
  // through a bit per site of the box, where a sort compares them.
  void set_box(const Lattice& lattice, Coord lo, Coord hi) {
    const uint32_t w = static_cast<uint32_t>(hi.x - lo.x), h = static_cast<uint32_t>(hi.y - lo.y);
    const uint64_t places = uint64_t{w} * h * static_cast<uint32_t>(hi.z - lo.z);
    if (places == 0 || places > (uint64_t{1} << 24)) return;  // (a sort is as good)
    const uint32_t px = lattice.index(0, 1, 0) - lattice.index(0, 0, 0);
    const uint32_t pxy = lattice.dim() == 3 ? lattice.index(0, 0, 1) - lattice.index(0, 0, 0) : 0;
    box_ = BoxOrder{lattice.index(lo),
                    FastDivisor(px),
                    FastDivisor(pxy == 0 ? 1 : pxy),
                    px,
                    pxy,
                    w,
                    h,
                    static_cast<uint32_t>(places)};
  }

  // The slots whose next event is at `step`, in slot order (so the columns are read front to
  // back, which the cache prefetches); entries due on a later lap of the ring stay and stale ones
  // are dropped. Each must be rescheduled or removed before the next take (a slot entered again
  // would otherwise act twice). Valid until the next take.
  std::span<const uint32_t> take_due(int64_t step) {
    take(step);
    return due_;
  }

  // LSD radix passes over the 8-bit digits of (x >> offset) up to `bound`.
  template <class T>
  static void radix_passes(std::vector<T>& v, std::vector<T>& buffer, int offset, uint32_t bound) {
    buffer.resize(v.size());
    for (int shift = 0; shift < 32 && (bound >> shift) > 0; shift += 8) {
      uint32_t count[257] = {0};
      for (const T x : v) ++count[((x >> (offset + shift)) & 0xFF) + 1];
      for (int i = 0; i < 256; ++i) count[i + 1] += count[i];
      for (const T x : v) buffer[count[(x >> (offset + shift)) & 0xFF]++] = x;
      v.swap(buffer);
    }
  }

  // Rebuilds the calendar from the columns (after a restore or a bulk change).
  void rebuild_calendar();

  // Agents created in this block's halo that belong to a neighbouring block.
  std::vector<AgentRecord> outbox;
  std::vector<int32_t> outbox_to;  // the block of each outbox record (merge_outboxes)

  // The columns (agents/agent_columns.hpp), indexed by slot.
#define MARROW_BLOCK_COLUMN(T, member, init, dataset) std::vector<T> member;
  MARROW_AGENT_COLUMNS(MARROW_BLOCK_COLUMN)
#undef MARROW_BLOCK_COLUMN

 private:
  // add into a new slot at the end of the columns.
  [[gnu::noinline]] uint32_t append(const AgentRecord& a) {
    const uint32_t slot = static_cast<uint32_t>(site.size());
#define MARROW_PUSH_COLUMN(T, member, init, dataset) member.push_back(a.member);
    MARROW_AGENT_COLUMNS(MARROW_PUSH_COLUMN)
#undef MARROW_PUSH_COLUMN
    ++alive_;
    reschedule(slot, a.next_step);
    return slot;
  }
  // due_ = the slots whose next event is at `step`, in increasing order: from the calendar's
  // bucket, or by a scan of the next-step column.
  void take(int64_t step) {
    due_.clear();
    if (!scan_) {
      calendar_.take(step, [&](uint32_t slot) { sift(slot, step); });
      return;
    }
    if (step >= kNeverStep) return;
    // In chunks, each with the site column of the next fetched: the caller reads the due
    // agents' sites next. (A dead slot's next step is never: remove.)
    const uint32_t n = slots();
    // The list grows as a chunk may need (it keeps its largest size, not one slot per agent).
    constexpr uint32_t kChunk = 256;
    size_t k = 0;
    for (uint32_t i = 0; i < n; i += kChunk) {
      const uint32_t m = std::min(kChunk, n - i);
      if (due_.size() < k + m + kFindEqualSlack) due_.resize(k + m + kFindEqualSlack);
      for (uint32_t j = i + kChunk; j < std::min(n, i + 2 * kChunk); j += 16)
        __builtin_prefetch(site.data() + j);
      k += find_equal(next_step.data() + i, m, static_cast<int32_t>(step), i, due_.data() + k);
    }
    due_.resize(k);
  }
  // A calendar entry taken at `step`: due now (into due_), due on a later lap of the ring (back
  // into its bucket), or stale (the slot died or was rescheduled; dropped).
  void sift(uint32_t slot, int64_t step) {
    if (type[slot] == kDead) return;
    const int64_t when = next_step[slot];
    if (when == step)
      due_.push_back(slot);
    else if (when > step && when != kNeverStep && calendar_.same_bucket(when, step))
      calendar_.push(when, slot);
  }
  // A site's place in the block's box: its index among the box's sites, which are in the
  // same order as their indices in the lattice ([z][y][x]).
  struct BoxOrder {
    SiteId base = 0;  // the box's first site
    FastDivisor by_row, by_plane;
    uint32_t row = 0, plane = 0;        // sites per padded row and plane (0: a 2D lattice)
    uint32_t w = 0, h = 0, places = 0;  // places 0: no box
    // (places or more: outside the box)
    uint32_t place(SiteId s) const {
      uint32_t d = s - base, z = 0;
      if (plane != 0) {
        z = by_plane(d);
        d -= z * plane;
      }
      const uint32_t y = by_row(d), x = d - y * row;
      return x < w && y < h ? (z * h + y) * w + x : places;
    }
  };
  // due_ reordered by place: a bit per place, set for each due agent and read in order (the
  // bits are zero between takes: each word is cleared as it is read). False, with due_ as it
  // was, if an agent lies outside the box.
  bool by_places() {
    thread_local std::vector<uint64_t> marks;
    thread_local std::vector<uint32_t> at;
    const size_t words = (box_.places + 63) / 64;
    if (marks.size() < words) marks.resize(words, 0);
    if (at.size() < box_.places) at.resize(box_.places);
    for (const uint32_t slot : due_) {
      const uint32_t p = box_.place(site[slot]);
      if (p >= box_.places) {
        std::fill(marks.begin(), marks.begin() + static_cast<std::ptrdiff_t>(words), 0);
        return false;
      }
      marks[p >> 6] |= uint64_t{1} << (p & 63);
      at[p] = slot;
    }
    // Rewritten in place, by place.
    uint32_t* out = due_.data();
    uint64_t* mark = marks.data();
    const uint32_t* slot_at = at.data();
    for (size_t w = 0; w < words; ++w)
      for (uint64_t bits = std::exchange(mark[w], 0); bits != 0; bits &= bits - 1)
        *out++ = slot_at[w * 64 + static_cast<size_t>(std::countr_zero(bits))];
    due_.resize(static_cast<size_t>(out - due_.data()));
    return true;
  }
  BoxOrder box_;
  Calendar calendar_;
  bool scan_ = false;  // no calendar: takes scan next_step
  std::vector<uint32_t> free_;
  std::vector<uint32_t, SiteAllocator<uint32_t>> due_;  // (growth writes nothing: a take does)
  std::vector<uint64_t> keyed_, keyed_buffer_;
  int64_t alive_ = 0;
};

// Moves every block's outbox into the blocks that now hold those agents' sites. Each block
// gathers from its neighbours in increasing block order, in parallel: the same result as a
// serial pass over the blocks in order, whatever the thread count. `blocks` holds every block
// of the grid, or (a distributed run) those whose index `slot` gives (-1: none), block ids[i]
// at i; every record must go to a block held.
void merge_outboxes(std::vector<AgentBlock>& blocks, const BlockGrid& grid, const Lattice& lattice,
                    std::span<const int32_t> slot = {}, std::span<const int32_t> ids = {});

// Whether a step with this many calendar entries is worth running on several threads.
inline bool worth_parallel(size_t entries) { return entries >= 4096; }

// Calendar entries of all blocks for `step`.
inline size_t entries(std::vector<AgentBlock>& blocks, int64_t step) {
  size_t n = 0;
  for (AgentBlock& b : blocks) n += b.entries(step);
  return n;
}

}  // namespace marrow
