#include "io/run_reader.hpp"

#include <fmt/format.h>

#include <cmath>
#include <nlohmann/json.hpp>

#include "io/hdf5_file.hpp"

namespace marrow {
namespace {

// Whether `s` is well-formed UTF-8 (RFC 3629): what marrow writes, and what JSON output needs.
bool is_utf8(const std::string& s) {
  for (size_t i = 0; i < s.size();) {
    const auto c = static_cast<unsigned char>(s[i]);
    size_t n = 0;                        // continuation bytes
    unsigned char lo = 0x80, hi = 0xBF;  // range of the first continuation byte
    if (c < 0x80) {
      ++i;
      continue;
    } else if (c >= 0xC2 && c <= 0xDF) {
      n = 1;
    } else if (c >= 0xE0 && c <= 0xEF) {
      n = 2;
      lo = c == 0xE0 ? 0xA0 : 0x80;  // no overlong forms
      hi = c == 0xED ? 0x9F : 0xBF;  // no surrogates
    } else if (c >= 0xF0 && c <= 0xF4) {
      n = 3;
      lo = c == 0xF0 ? 0x90 : 0x80;
      hi = c == 0xF4 ? 0x8F : 0xBF;  // at most U+10FFFF
    } else {
      return false;
    }
    if (s.size() - i <= n) return false;
    for (size_t k = 1; k <= n; ++k) {
      const auto d = static_cast<unsigned char>(s[i + k]);
      if (d < (k == 1 ? lo : 0x80) || d > (k == 1 ? hi : 0xBF)) return false;
    }
    i += n + 1;
  }
  return true;
}

}  // namespace

RunSummary read_summary(const std::string& path) {
  try {
    h5::Handle f = h5::open_file(path);
    if (!h5::has_attr(f, "schema_version") || !h5::exists(f, "provenance"))
      throw OutputFileError(path +
                            ": not a marrow output file (no /schema_version or /provenance)");
    RunSummary s;
    s.info.emplace_back("schema_version", std::to_string(h5::attr_int(f, "schema_version")));
    h5::Handle prov = h5::open_group(f, "provenance");
    for (const char* key :
         {"version", "git_hash", "command_line", "started_at", "finished_at", "interrupted"})
      if (h5::has_attr(prov, key)) s.info.emplace_back(key, h5::attr_string(prov, key));
    for (const char* key : {"seed", "threads", "complete"})
      if (h5::has_attr(prov, key))
        s.info.emplace_back(key, std::to_string(h5::attr_int(prov, key)));
    s.complete = h5::has_attr(prov, "complete") && h5::attr_int(prov, "complete") == 1;
    if (h5::exists(f, "parameters")) {
      h5::Handle par = h5::open_group(f, "parameters");
      if (h5::has_attr(par, "preset"))
        s.info.emplace_back("preset", h5::attr_string(par, "preset"));
      if (h5::has_attr(par, "represented_fraction"))
        s.info.emplace_back("represented_fraction",
                            fmt::format("{:.4g}", h5::attr_double(par, "represented_fraction")));
    }
    if (h5::exists(f, "snapshots"))
      s.snapshots = static_cast<int>(h5::children(h5::open_group(f, "snapshots")).size());
    if (h5::exists(f, "endpoints")) {
      h5::Handle ep = h5::open_group(f, "endpoints");
      H5O_info_t oinfo;
      if (H5Oget_info2(ep, &oinfo, H5O_INFO_NUM_ATTRS) >= 0)
        for (hsize_t i = 0; i < oinfo.num_attrs; ++i) {
          char name[256] = {0};
          H5Aget_name_by_idx(ep, ".", H5_INDEX_NAME, H5_ITER_INC, i, name, sizeof name,
                             H5P_DEFAULT);
          s.endpoints.emplace_back(name, h5::attr_double(ep, name));
        }
    }
    if (h5::exists(f, "timeseries/time_days")) {
      const auto t = h5::read<double>(f, "timeseries/time_days");
      if (!t.empty()) s.final_day = t.back();
      auto last = [&](const std::string& group, std::vector<std::pair<std::string, double>>& out) {
        if (!h5::exists(f, group)) return;
        for (const auto& name : h5::children(h5::open_group(f, group))) {
          const auto v = h5::read<double>(f, group + "/" + name);
          if (v.size() != t.size())
            throw OutputFileError(path + ": " + group + "/" + name +
                                  " does not match time_days in length");
          if (!v.empty()) out.emplace_back(name, v.back());
        }
      };
      last("timeseries/population", s.final_population);
      last("timeseries/blood", s.final_blood);
    }
    // Text read from the file is printed, also as JSON: it must be UTF-8.
    for (const auto& [key, value] : s.info)
      if (!is_utf8(value)) throw OutputFileError(path + ": " + key + " is not valid UTF-8 text");
    for (const auto* rows : {&s.endpoints, &s.final_population, &s.final_blood})
      for (const auto& [name, value] : *rows)
        if (!is_utf8(name)) throw OutputFileError(path + ": a name is not valid UTF-8 text");
    return s;
  } catch (const h5::Error& e) {
    throw OutputFileError(with_path(path, e.what()));
  }
}

std::string summary_json(const RunSummary& s) {
  nlohmann::json j;
  for (const auto& [k, v] : s.info) j["run"][k] = v;
  auto numbers = [](const std::vector<std::pair<std::string, double>>& rows) {
    nlohmann::json o = nlohmann::json::object();
    for (const auto& [k, v] : rows) o[k] = std::isfinite(v) ? nlohmann::json(v) : nlohmann::json();
    return o;
  };
  j["endpoints"] = numbers(s.endpoints);
  j["final"]["day"] = s.final_day;
  j["final"]["population"] = numbers(s.final_population);
  j["final"]["blood"] = numbers(s.final_blood);
  j["snapshots"] = s.snapshots;
  j["complete"] = s.complete;
  return j.dump(2);
}

}  // namespace marrow
