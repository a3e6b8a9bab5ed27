#include "io/sweep_summary.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <fstream>
#include <map>
#include <sstream>

#include "io/hdf5_file.hpp"
#include "io/output_target.hpp"
#include "io/run_reader.hpp"

namespace marrow {

// A CSV field, quoted when it holds a comma or a quote (RFC 4180).
std::string csv_field(const std::string& s) {
  if (s.find_first_of(",\"\n") == std::string::npos) return s;
  std::string q = "\"";
  for (const char c : s) q += c == '"' ? std::string("\"\"") : std::string(1, c);
  return q + "\"";
}

double quantile(const std::vector<double>& s, double q) {
  if (s.empty()) return std::nan("");
  const double pos = q * static_cast<double>(s.size() - 1);
  const size_t lo = static_cast<size_t>(std::floor(pos));
  const size_t hi = std::min(lo + 1, s.size() - 1);
  return s[lo] + (pos - static_cast<double>(lo)) * (s[hi] - s[lo]);
}

void write_sweep_summary(const std::string& dir, const std::vector<SweepPoint>& points,
                         const std::vector<SweepRun>& runs) {
  // metric -> point -> values over the completed replicates (NaN endpoints are "not reached"
  // and are counted, not averaged in).
  std::vector<std::string> metrics;
  std::map<std::string, std::vector<std::vector<double>>> values;
  std::map<std::string, std::vector<int>> not_reached;
  std::vector<int> ok(points.size(), 0), failed(points.size(), 0);
  for (const SweepRun& r : runs) {
    if (!r.ok) {
      ++failed[r.point];
      continue;
    }
    const RunSummary s = read_summary(r.file);
    ++ok[r.point];
    auto add = [&](const std::string& name, double v) {
      if (!values.count(name)) {
        metrics.push_back(name);
        values[name].assign(points.size(), {});
        not_reached[name].assign(points.size(), 0);
      }
      if (std::isnan(v))
        ++not_reached[name][r.point];
      else
        values[name][r.point].push_back(v);
    };
    for (const auto& [k, v] : s.endpoints) add(k, v);
    for (const auto& [k, v] : s.final_blood) add("final_" + k, v);
  }
  const double qs[5] = {0.5, 0.25, 0.75, 0.025, 0.975};
  const char* qnames[5] = {"median", "q25", "q75", "lo95", "hi95"};

  std::ostringstream csv;
  csv << "point";
  for (const auto& [k, v] : points.empty() ? SweepPoint{}.values : points[0].values)
    csv << "," << csv_field(k);
  csv << ",completed,failed";
  for (const auto& m : metrics) {
    for (const char* q : qnames) csv << "," << m << "_" << q;
    csv << "," << m << "_not_reached";
  }
  csv << "\n";
  std::map<std::string, std::vector<std::vector<double>>> table;  // metric -> quantile -> point
  for (size_t p = 0; p < points.size(); ++p) {
    csv << p;
    for (const auto& [k, v] : points[p].values) csv << "," << csv_field(v);
    csv << "," << ok[p] << "," << failed[p];
    for (const auto& m : metrics) {
      auto v = values[m][p];
      std::sort(v.begin(), v.end());
      auto& t = table[m];
      t.resize(5);
      for (int q = 0; q < 5; ++q) {
        const double x = quantile(v, qs[q]);
        t[q].push_back(x);
        csv << "," << (std::isnan(x) ? std::string("nan") : fmt::format("{:.6g}", x));
      }
      csv << "," << not_reached[m][p];
    }
    csv << "\n";
  }
  write_text_atomically(dir + "/summary.csv", csv.str());

  // The HDF5 summary through the same discipline as a run's file.
  OutputTarget target(dir + "/summary.h5", {}, false);
  {
    h5::Handle f = h5::create_file(target.create_temporary());
    h5::set_attr(f, "schema_version", int64_t{1});
    h5::set_attr(f, "kind", std::string("sweep_summary"));
    std::vector<int64_t> okv(ok.begin(), ok.end()), failv(failed.begin(), failed.end());
    h5::write<int64_t>(f, "completed", okv);
    h5::write<int64_t>(f, "failed", failv);
    if (!points.empty())
      for (size_t k = 0; k < points[0].values.size(); ++k) {
        std::vector<std::string> col;
        for (const auto& p : points) col.push_back(p.values[k].second);
        h5::Handle g = h5::ensure_group(f, "points");
        h5::set_attr(g, points[0].values[k].first, col);
      }
    for (const auto& m : metrics) {
      for (int q = 0; q < 5; ++q)
        h5::write<double>(f, "metrics/" + m + "/" + qnames[q], table[m][q]);
      std::vector<int64_t> nr(not_reached[m].begin(), not_reached[m].end());
      h5::write<int64_t>(f, "metrics/" + m + "/not_reached", nr);
    }
    h5::close_file(f, target.temporary());
  }
  target.commit(true);
}

}  // namespace marrow
