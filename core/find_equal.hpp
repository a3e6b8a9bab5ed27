#pragma once
// The places in an array of 32-bit integers that hold one value, in increasing order: the scan
// by which a block without a calendar finds its due agents (AgentBlock). Integer compares only,
// so every vector width gives the same indices; the widest the processor has is chosen at run
// time.
#include <cstddef>
#include <cstdint>

#include "core/random.hpp"

namespace marrow {

// Slack a caller leaves after `out`'s last possible index: the vector units write whole vectors.
inline constexpr size_t kFindEqualSlack = 16;

// Writes first + i for every i < n with a[i] == value to out, in increasing order, and returns
// how many. `out` has room for n + kFindEqualSlack.
size_t find_equal(const int32_t* a, size_t n, int32_t value, uint32_t first, uint32_t* out,
                  VectorUnit unit = widest_vector_unit());

}  // namespace marrow
