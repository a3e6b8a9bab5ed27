#pragma once
// Clinical endpoints from daily blood counts (DESIGN.md 2.5): engraftment, aplasia, graft
// failure, nadirs and recovery per blood pool, and the transfusions of supportive care as
// events. The rules live here; io/ writes what they give.
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <string>
#include <vector>

namespace marrow {

class Simulation;
struct Observation;

struct Nadir {
  double value = std::numeric_limits<double>::quiet_NaN();
  double day = std::numeric_limits<double>::quiet_NaN();
};

inline Nadir nadir(const std::vector<double>& days, const std::vector<double>& values) {
  Nadir n;
  for (size_t i = 0; i < values.size(); ++i)
    if (std::isnan(n.value) || values[i] < n.value) n = {values[i], days[i]};
  return n;
}

// Recovery after aplasia: the first day of `run` consecutive samples at or above `threshold`
// that follows a sample below it. NaN when the count never fell below the threshold or never
// came back (engraftment: ANC >= 0.5e9/L for 3 days, platelets >= 20e9/L for 7 days).
inline double recovery_day(const std::vector<double>& days, const std::vector<double>& values,
                           double threshold, int run) {
  bool was_low = false;
  int streak = 0;
  for (size_t i = 0; i < values.size(); ++i) {
    if (values[i] < threshold) {
      was_low = true;
      streak = 0;
      continue;
    }
    if (was_low && ++streak == run) return days[i + 1 - static_cast<size_t>(run)];
  }
  return std::numeric_limits<double>::quiet_NaN();
}

// One transfusion of supportive care: the day of the observation that first counts it, the
// product ("platelets" or "rbc"), the units given and the count that called for it (platelets
// in 1e9/L, hemoglobin in g/dL, at the observation before).
struct TransfusionEvent {
  double day = 0;
  std::string product;
  int64_t units = 0;
  double count_before = std::numeric_limits<double>::quiet_NaN();
};

struct PoolEndpoints {
  std::string name;
  Nadir nadir;
  // First day after the nadir back at 90 % of the first recorded value (NaN: never, or never
  // below it).
  double recovery_day = std::numeric_limits<double>::quiet_NaN();
};

struct Endpoints {
  double neutrophil_engraftment_day = std::numeric_limits<double>::quiet_NaN();
  double platelet_engraftment_day = std::numeric_limits<double>::quiet_NaN();
  int64_t platelet_transfusions = 0, rbc_transfusions = 0;  // units
  bool aplasia = false;
  bool graft_failure = false;
  bool transplant = false;
  std::vector<PoolEndpoints> pools;  // one per blood pool, in the simulation's order
  std::vector<TransfusionEvent> transfusions;
};

// The endpoints of a run's observations (restored history included).
Endpoints compute_endpoints(const Simulation& sim, const std::vector<Observation>& rows);

}  // namespace marrow
