#pragma once
// An agent's columns, declared once. AgentRecord, the columns of an AgentBlock, the copying
// between them, and a snapshot's agent datasets (written by io/run_writer.cpp, read back by
// io/checkpoint.cpp, described for ParaView by the run's XDMF sidecar) all follow these lists:
// adding a column to the agents is one line in MARROW_AGENT_COLUMNS.
#include <cstdint>
#include <string_view>
#include <type_traits>

#include "core/lattice.hpp"

//   X(C++ type, member, default value, dataset in a snapshot's agents/ group, or "" where the
//     column is stored in a form of its own: the site as x, y, z and position, the flags as the
//     bit fields of MARROW_AGENT_FLAG_COLUMNS)
#define MARROW_AGENT_COLUMNS(X)          \
  X(::marrow::SiteId, site, 0, "")       \
  X(uint8_t, type, 0, "type")            \
  X(uint8_t, origin, 0, "origin")        \
  X(uint8_t, flags, 0, "")               \
  X(uint16_t, divisions, 0, "divisions") \
  X(uint32_t, clone, 0, "clone")         \
  X(int32_t, next_step, INT32_MAX, "next_event_step")

//   X(dataset, bit mask in flags, shift): the flags as a snapshot stores them, one uint8 dataset
//   per field, the value (flags & mask) >> shift.
#define MARROW_AGENT_FLAG_COLUMNS(X) \
  X("quiescent", 0x01, 0)            \
  X("gene_modified", 0x02, 1)        \
  X("pending_fate", 0x0C, 2)

namespace marrow {

// The XDMF spelling of a column's element type ("UChar", "UShort", "UInt", "Int") and its size.
template <class T>
constexpr std::pair<const char*, int> xdmf_number_type() {
  static_assert(std::is_integral_v<T> && sizeof(T) <= 4);
  if constexpr (std::is_signed_v<T>) return {"Int", static_cast<int>(sizeof(T))};
  if constexpr (sizeof(T) == 1) return {"UChar", 1};
  if constexpr (sizeof(T) == 2) return {"UShort", 2};
  return {"UInt", 4};
}

// The XDMF element type of a dataset under a snapshot's agents/ group, from the lists above;
// x, y, z and position are Int 4. {nullptr, 0} for a name that is none of them.
inline std::pair<const char*, int> agent_dataset_type(std::string_view name) {
  if (name == "x" || name == "y" || name == "z" || name == "position") return {"Int", 4};
#define MARROW_COLUMN_TYPE(T, member, init, dataset) \
  if (!std::string_view(dataset).empty() && name == dataset) return xdmf_number_type<T>();
  MARROW_AGENT_COLUMNS(MARROW_COLUMN_TYPE)
#undef MARROW_COLUMN_TYPE
#define MARROW_FLAG_TYPE(dataset, mask, shift) \
  if (name == dataset) return {"UChar", 1};
  MARROW_AGENT_FLAG_COLUMNS(MARROW_FLAG_TYPE)
#undef MARROW_FLAG_TYPE
  return {nullptr, 0};
}

}  // namespace marrow
