#pragma once
// The processes of one run. A build with MARROW_MPI runs as several MPI ranks, each holding the
// agents of its share of the lattice (agents/domain.hpp); every other build is one process, and
// every call here is then a no-op or the identity. Collective calls must be made by every rank
// in the same order. Reductions are over integers, or gather values in rank order, so results do
// not depend on the rank count.
#include <cstdint>
#include <cstring>
#include <functional>
#include <span>
#include <string>
#include <type_traits>
#include <vector>

namespace marrow::comm {

// Starts and ends MPI (no-ops without it). init() before anything else in main().
void init(int* argc, char*** argv);
void finalize();
// Ends every rank at once with this exit code (a failure one rank met alone).
[[noreturn]] void abort(int code);

int rank();
int size();
inline bool root() { return rank() == 0; }

// Sums over the ranks, in place.
void sum(std::span<int64_t> values);
inline int64_t sum(int64_t v) {
  sum(std::span<int64_t>(&v, 1));
  return v;
}
int max(int v);
// Exact in any order: the largest value.
double max(double v);

// What this rank has exchanged since the start: collective calls, bytes it contributed, bytes
// it received, and the wall time spent in them (waiting for slower ranks included).
struct Traffic {
  int64_t calls = 0, sent = 0, received = 0;
  double seconds = 0;
};
Traffic traffic();

// Every rank's bytes, concatenated in rank order, on every rank (all) or on rank 0 (root; the
// other ranks get nothing back).
std::vector<unsigned char> gather_bytes(std::span<const unsigned char> mine, bool all);
// The same, received into the memory into(total bytes) returns (called where bytes arrive).
void gather_into(std::span<const unsigned char> mine, bool all,
                 const std::function<unsigned char*(size_t)>& into);

// Every rank's values, concatenated in rank order: on every rank (`all`), or on rank 0 alone.
template <class T>
std::vector<T> gather(const std::vector<T>& mine, bool all) {
  static_assert(std::is_trivially_copyable_v<T>);
  if (size() == 1) return mine;
  std::vector<T> out;
  gather_into({reinterpret_cast<const unsigned char*>(mine.data()), mine.size() * sizeof(T)}, all,
              [&](size_t bytes) {
                out.resize(bytes / sizeof(T));
                return reinterpret_cast<unsigned char*>(out.data());
              });
  return out;
}
// Rank 0's text, on every rank.
inline std::string from_root(const std::string& text) {
  if (size() == 1) return text;
  const auto bytes = gather_bytes(
      {reinterpret_cast<const unsigned char*>(text.data()), root() ? text.size() : 0}, true);
  return {bytes.begin(), bytes.end()};
}

template <class T>
std::vector<T> all_gather(const std::vector<T>& mine) {
  return gather(mine, true);
}
template <class T>
std::vector<T> root_gather(const std::vector<T>& mine) {
  return gather(mine, false);
}

}  // namespace marrow::comm
