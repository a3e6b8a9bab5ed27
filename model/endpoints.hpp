#pragma once
// Clinical endpoints from daily blood counts (DESIGN.md 2.5).
#include <cmath>
#include <cstddef>
#include <limits>
#include <vector>

namespace marrow {

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

}  // namespace marrow
