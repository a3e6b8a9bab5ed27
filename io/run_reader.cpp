#include "io/run_reader.hpp"

#include <fmt/format.h>

#include "io/hdf5_file.hpp"

namespace marrow {

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
    return s;
  } catch (const h5::Error& e) {
    throw OutputFileError(fmt::format("{}: {}", path, e.what()));
  }
}

}  // namespace marrow
