#pragma once
// Summaries of a sweep: per grid point, the median, interquartile range and 95 % interval of
// every endpoint and final blood count over the replicates, as CSV and HDF5.
#include <string>
#include <vector>

namespace marrow {

struct SweepRun {
  int point = 0, replicate = 0;
  uint64_t seed = 0;
  std::string file;
  bool ok = false;  // completed and readable
  std::string error;
};

struct SweepPoint {
  std::vector<std::pair<std::string, std::string>> values;  // varied key -> value
};

// A CSV field, quoted when needed (RFC 4180).
std::string csv_field(const std::string& s);

// Quantile q of sorted values, linear interpolation between order statistics.
double quantile(const std::vector<double>& sorted, double q);

// Reads every run's endpoints and final counts and writes DIR/summary.csv and DIR/summary.h5.
void write_sweep_summary(const std::string& dir, const std::vector<SweepPoint>& points,
                         const std::vector<SweepRun>& runs);

}  // namespace marrow
