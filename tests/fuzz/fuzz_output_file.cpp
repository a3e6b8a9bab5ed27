// libFuzzer target: marrow's readers of its own output files (`marrow inspect`, `marrow run
// --restart FILE.h5[:SNAPSHOT]`).
//
// Structure-aware: the input does not hold HDF5 bytes (libhdf5's own parser is out of scope)
// but a list of edits. At start-up, real output files of tiny scenarios are written with
// RunWriter (so the layout follows the writer). Each input picks one, copies it to a temporary
// file and edits it through the HDF5 API: it deletes links or attributes, replaces datasets
// (type, rank, length, values: NaN, out-of-range coordinates, types, steps, huge extents with no
// data behind them), replaces attributes (string or number, scalar or array), the stored scenario
// text, and adds soft, dangling, external and hard links. The file is then read as the CLI does:
//  - inspect: read_summary, then the JSON of `marrow inspect --json`;
//  - restart: read_checkpoint, load_scenario_text of the stored scenario, Simulation,
//    Checkpoint::agents, Simulation::restore, read_rows, then a few steps.
// Allowed exceptions, all of which the CLI reports with exit code 2: OutputFileError,
// ScenarioError (stored scenario invalid) and std::invalid_argument from building or restoring
// the Simulation (cli/run_command.cpp catches it around both). read_rows may throw
// OutputFileError (see the note in restart() below). Anything else aborts.
#include <fuzzer/FuzzedDataProvider.h>
#include <hdf5.h>
#include <unistd.h>

#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <limits>
#include <memory>
#include <sstream>
#include <string>
#include <typeinfo>
#include <vector>

#include "io/checkpoint.hpp"
#include "io/hdf5_file.hpp"
#include "io/run_reader.hpp"
#include "io/run_writer.hpp"
#include "io/scenario.hpp"
#include "model/simulation.hpp"

namespace {

namespace fs = std::filesystem;
using marrow::h5::Handle;

[[noreturn]] void fail(const char* what, const std::string& detail) {
  std::fprintf(stderr, "fuzz_output_file: %s: %s\n", what, detail.c_str());
  std::abort();
}

// ---------------------------------------------------------------------------------------------
// Template files: real marrow output of tiny scenarios.

struct Template {
  std::string bytes;
  std::vector<std::string> groups, datasets;
  std::vector<long long> lengths;                          // of the datasets
  std::vector<std::pair<std::string, std::string>> attrs;  // object path, attribute name
};

// Tiny variants of the presets: a 24 x 24 section, a 12 x 12 x 6 box.
const std::vector<std::vector<std::string>> kVariants = {
    {"preset=human", "lattice.size=[24,24]", "lattice.block=8", "lattice.division_reach=4",
     "lattice.calendar_window=64", "geometry.bone_thickness=2", "geometry.sinusoids=2",
     "geometry.arterioles=1", "run.spin_up_days=1", "run.days=2"},
    {"preset=mouse", "lattice.size=[12,12,6]", "lattice.block=4", "lattice.division_reach=2",
     "lattice.calendar_window=16", "geometry.bone_thickness=1", "geometry.sinusoids=1",
     "geometry.arterioles=1", "run.spin_up_days=0.5", "run.days=1", "run.dt_hours=2",
     "run.output_every_hours=2", "lattice.neighbourhood=\"von_neumann\""},
};

std::string temp_path(const char* what) {
  return (fs::temp_directory_path() /
          ("marrow_fuzz_" + std::string(what) + "_" + std::to_string(::getpid()) + ".h5"))
      .string();
}

// The file each input edits and reads; removed at exit.
const std::string& output_path() {
  static const std::string path = temp_path("output");
  return path;
}

void remove_output(const std::string& path) {
  std::error_code ec;
  fs::remove(path, ec);
  fs::remove(fs::path(path).replace_extension(".xmf"), ec);
}

void walk(hid_t file, const std::string& path, Template& t) {
  Handle obj(H5Oopen(file, path.c_str(), H5P_DEFAULT));
  if (obj < 0) return;
  std::pair<Template*, std::string> where(&t, path);
  H5Aiterate2(
      obj, H5_INDEX_NAME, H5_ITER_INC, nullptr,
      [](hid_t, const char* name, const H5A_info_t*, void* data) -> herr_t {
        auto* w = static_cast<std::pair<Template*, std::string>*>(data);
        w->first->attrs.emplace_back(w->second, name);
        return 0;
      },
      &where);
  if (H5Iget_type(obj) == H5I_DATASET) {
    t.datasets.push_back(path);
    Handle space(H5Dget_space(obj));
    t.lengths.push_back(H5Sget_simple_extent_npoints(space));
    return;
  }
  t.groups.push_back(path);
  for (const std::string& child : marrow::h5::children(obj))
    walk(file, path == "/" ? "/" + child : path + "/" + child, t);
}

Template make_template(const std::vector<std::string>& variant) {
  // The presets' cell types, each with a few agents so that the tiny lattice holds them.
  std::vector<std::string> sets = variant;
  const marrow::LoadedScenario preset = marrow::load_scenario("", {variant.front()});
  for (const auto& type : preset.scenario.graph.types())
    sets.push_back("types." + type.name + ".initial=" + std::to_string(3 + type.name.size() % 5));
  const marrow::LoadedScenario loaded = marrow::load_scenario("", sets);
  const std::string path = temp_path("template");
  {
    marrow::Simulation sim(loaded.scenario);
    sim.spin_up();
    marrow::RunWriter writer(path, sim, loaded, {"marrow fuzz", marrow::now_iso8601(), 1});
    writer.record(sim.observe());
    for (int snapshot = 0; snapshot < 2; ++snapshot) {
      for (int i = 0; i < 6; ++i) {
        sim.step();
        writer.record(sim.observe());
      }
      writer.snapshot(sim);
    }
    writer.finish(true);
  }
  Template t;
  std::ifstream in(path, std::ios::binary);
  t.bytes.assign(std::istreambuf_iterator<char>(in), {});
  Handle f(H5Fopen(path.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT));
  walk(f, "/", t);
  f.reset();
  remove_output(path);
  return t;
}

std::vector<Template>& templates() {
  static std::vector<Template> all = [] {
    std::vector<Template> v;
    for (const auto& variant : kVariants) v.push_back(make_template(variant));
    return v;
  }();
  return all;
}

// ---------------------------------------------------------------------------------------------
// Edits.

template <class T>
const T& pick(FuzzedDataProvider& fdp, const std::vector<T>& v) {
  return v[fdp.ConsumeIntegralInRange<size_t>(0, v.size() - 1)];
}

double special_value(FuzzedDataProvider& fdp) {
  static const double kSpecial[] = {0,
                                    1,
                                    -1,
                                    2,
                                    3,
                                    4,
                                    23,
                                    24,
                                    25,
                                    254,
                                    255,
                                    256,
                                    65535,
                                    65536,
                                    2147483646.0,
                                    2147483647.0,
                                    2147483648.0,
                                    -2147483648.0,
                                    4294967295.0,
                                    9007199254740993.0,
                                    9.2233720368547758e18,
                                    -9.2233720368547758e18,
                                    1e300,
                                    -1e-300,
                                    0.5,
                                    std::numeric_limits<double>::quiet_NaN(),
                                    std::numeric_limits<double>::infinity(),
                                    -std::numeric_limits<double>::infinity()};
  switch (fdp.ConsumeIntegralInRange(0, 3)) {
    case 0:
      return static_cast<double>(fdp.ConsumeIntegral<int32_t>());
    case 1:
      return fdp.ConsumeFloatingPoint<double>();
    default:
      return kSpecial[fdp.ConsumeIntegralInRange<size_t>(0, std::size(kSpecial) - 1)];
  }
}

class Editor {
 public:
  Editor(FuzzedDataProvider& fdp, hid_t file, const Template& t) : fdp_(fdp), file_(file), t_(t) {
    lcpl_ = Handle(H5Pcreate(H5P_LINK_CREATE));
    H5Pset_create_intermediate_group(lcpl_, 1);
  }

  void edit() {
    switch (fdp_.ConsumeIntegralInRange(0, 10)) {
      case 0:
        H5Ldelete(file_, any_path().c_str(), H5P_DEFAULT);
        break;
      case 1:
      case 2:
        replace_dataset(pick(fdp_, t_.datasets));
        break;
      case 3:
        replace_dataset(new_path());
        break;
      case 4: {
        const auto& [obj, name] = pick(fdp_, t_.attrs);
        H5Adelete_by_name(file_, obj.c_str(), name.c_str(), H5P_DEFAULT);
        break;
      }
      case 5:
      case 6: {
        const bool known = fdp_.ConsumeBool();
        const auto& [obj, name] = pick(fdp_, t_.attrs);
        if (known) {
          replace_attribute(obj, name);
        } else {
          const std::string& group = pick(fdp_, t_.groups);
          replace_attribute(group, fdp_.ConsumeRandomLengthString(300));
        }
        break;
      }
      case 7:
        replace_scenario();
        break;
      case 8:
        add_link();
        break;
      case 9:
        move_in_time();
        break;
      default: {
        const std::string path = fdp_.ConsumeBool() ? any_path() : new_path();
        H5Ldelete(file_, path.c_str(), H5P_DEFAULT);
        Handle(H5Gcreate2(file_, path.c_str(), lcpl_, H5P_DEFAULT, H5P_DEFAULT));
        break;
      }
    }
  }

 private:
  std::string any_path() {
    return fdp_.ConsumeBool() ? pick(fdp_, t_.datasets) : pick(fdp_, t_.groups);
  }
  // A path the writer does not create, beside the ones it does.
  std::string new_path() {
    static const std::vector<std::string> kNew = {"/snapshots/000002",
                                                  "/snapshots/x",
                                                  "/snapshots/999999999",
                                                  "/snapshots/000001/agents/x_extra",
                                                  "/timeseries/population/extra",
                                                  "/timeseries/blood/extra",
                                                  "/timeseries/time_days",
                                                  "/endpoints/extra",
                                                  "/snapshots/000000/fields/extra",
                                                  "/timeseries/chimerism/extra"};
    if (fdp_.ConsumeIntegralInRange(0, 7) == 0) {
      const std::string s = fdp_.ConsumeRandomLengthString(40);
      return "/" + pick(fdp_, t_.groups).substr(1) + (s.empty() ? "n" : s);
    }
    return pick(fdp_, kNew);
  }

  std::vector<double> original(const std::string& path) {
    Handle ds(H5Dopen2(file_, path.c_str(), H5P_DEFAULT));
    if (ds < 0) return {};
    Handle space(H5Dget_space(ds));
    const hssize_t n = H5Sget_simple_extent_npoints(space);
    if (n <= 0 || n > (1 << 20)) return {};
    std::vector<double> v(static_cast<size_t>(n));
    if (H5Dread(ds, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, v.data()) < 0) return {};
    return v;
  }

  void replace_dataset(const std::string& path) {
    std::vector<double> values = original(path);
    Handle old_type;
    {
      Handle ds(H5Dopen2(file_, path.c_str(), H5P_DEFAULT));
      if (ds >= 0) old_type = Handle(H5Dget_type(ds));
    }
    H5Ldelete(file_, path.c_str(), H5P_DEFAULT);

    // The element type: kept, or another number type, or text.
    static const hid_t* kTypes[] = {&H5T_NATIVE_UINT8, &H5T_NATIVE_INT8,   &H5T_NATIVE_UINT16,
                                    &H5T_NATIVE_INT32, &H5T_NATIVE_UINT32, &H5T_NATIVE_INT64,
                                    &H5T_NATIVE_FLOAT, &H5T_NATIVE_DOUBLE, &H5T_NATIVE_UINT64};
    Handle type;
    bool text = false;
    switch (fdp_.ConsumeIntegralInRange(0, 5)) {
      case 0:
      case 1:
      case 2:
        if (old_type >= 0) {
          type = Handle(H5Tcopy(old_type));
          break;
        }
        [[fallthrough]];
      case 3:
      case 4:
        type = Handle(H5Tcopy(*kTypes[fdp_.ConsumeIntegralInRange<size_t>(0, 8)]));
        break;
      default:
        type = Handle(H5Tcopy(H5T_C_S1));
        if (fdp_.ConsumeBool())
          H5Tset_size(type, H5T_VARIABLE);
        else
          H5Tset_size(type, fdp_.ConsumeIntegralInRange<size_t>(1, 16));
        text = true;
    }
    if (type < 0) return;
    if (H5Tget_class(type) == H5T_STRING) text = true;

    // The shape: the original length give or take one, empty, small, or huge with no data.
    const hsize_t n0 = values.size();
    hsize_t n = n0;
    bool huge = false;
    switch (fdp_.ConsumeIntegralInRange(0, 7)) {
      case 0:
        n = n0 ? n0 - 1 : 0;
        break;
      case 1:
        n = n0 + 1;
        break;
      case 2:
        n = 0;
        break;
      case 3:
        n = fdp_.ConsumeIntegralInRange<hsize_t>(0, 2 * n0 + 8);
        break;
      case 4:
        n = hsize_t{1} << fdp_.ConsumeIntegralInRange(20, 40);
        huge = true;
        break;
      default:
        break;
    }
    int rank = 1;
    switch (fdp_.ConsumeIntegralInRange(0, 9)) {
      case 0:
        rank = 0;
        break;
      case 1:
        rank = 2;
        break;
      case 2:
        rank = -1;  // null dataspace
        break;
      default:
        break;
    }
    Handle space;
    if (rank == 0) {
      space = Handle(H5Screate(H5S_SCALAR));
      n = 1;
    } else if (rank < 0) {
      space = Handle(H5Screate(H5S_NULL));
      n = 0;
    } else if (rank == 1) {
      space = Handle(H5Screate_simple(1, &n, nullptr));
    } else {
      const hsize_t cols = fdp_.ConsumeIntegralInRange<hsize_t>(1, 3);
      const hsize_t dims[2] = {cols == 1 ? 1 : n / cols, cols == 1 ? n : cols};
      n = dims[0] * dims[1];
      space = Handle(H5Screate_simple(2, dims, nullptr));
    }
    Handle ds(H5Dcreate2(file_, path.c_str(), type, space, lcpl_, H5P_DEFAULT, H5P_DEFAULT));
    if (ds < 0 || huge || n == 0) return;  // a huge extent has no data written behind it

    values.resize(static_cast<size_t>(n), 0.0);
    if (fdp_.ConsumeIntegralInRange(0, 7) == 0) {
      std::fill(values.begin(), values.end(), special_value(fdp_));
    } else {
      for (int k = fdp_.ConsumeIntegralInRange(0, 4); k > 0; --k) {
        const size_t i = fdp_.ConsumeIntegralInRange<size_t>(0, values.size() - 1);
        values[i] = special_value(fdp_);
      }
    }
    if (text) {
      std::vector<std::string> s(values.size());
      for (size_t i = 0; i < s.size(); ++i) s[i] = fmt_number(values[i]);
      if (H5Tis_variable_str(type) > 0) {
        std::vector<const char*> p;
        for (const auto& x : s) p.push_back(x.c_str());
        H5Dwrite(ds, type, H5S_ALL, H5S_ALL, H5P_DEFAULT, p.data());
      } else {
        const size_t w = H5Tget_size(type);
        std::string buf(s.size() * w, '\0');
        for (size_t i = 0; i < s.size(); ++i) s[i].copy(&buf[i * w], std::min(w, s[i].size()));
        H5Dwrite(ds, type, H5S_ALL, H5S_ALL, H5P_DEFAULT, buf.data());
      }
    } else if (H5Tget_class(type) == H5T_FLOAT) {
      H5Dwrite(ds, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, values.data());
    } else {
      // Integers exactly (clipped to the file type's range by HDF5).
      std::vector<int64_t> v(values.size());
      for (size_t i = 0; i < v.size(); ++i) v[i] = to_int(values[i]);
      H5Dwrite(ds, H5T_NATIVE_INT64, H5S_ALL, H5S_ALL, H5P_DEFAULT, v.data());
    }
  }

  static int64_t to_int(double x) {
    if (!(x == x)) return 0;
    if (x >= 9.2e18) return std::numeric_limits<int64_t>::max();
    if (x <= -9.2e18) return std::numeric_limits<int64_t>::min();
    return static_cast<int64_t>(x);
  }
  static std::string fmt_number(double x) {
    std::ostringstream s;
    s << x;
    return s.str();
  }

  void replace_attribute(const std::string& obj, const std::string& name) {
    H5Adelete_by_name(file_, obj.c_str(), name.c_str(), H5P_DEFAULT);
    Handle space;
    hsize_t n = 1;
    switch (fdp_.ConsumeIntegralInRange(0, 5)) {
      case 0:
        n = fdp_.ConsumeIntegralInRange<hsize_t>(0, 3);
        space = Handle(H5Screate_simple(1, &n, nullptr));
        break;
      case 1:
        space = Handle(H5Screate(H5S_NULL));
        n = 0;
        break;
      default:
        space = Handle(H5Screate(H5S_SCALAR));
    }
    const int kind = fdp_.ConsumeIntegralInRange(0, 4);
    Handle type;
    if (kind <= 1) {
      type = Handle(H5Tcopy(H5T_C_S1));
      H5Tset_cset(type, H5T_CSET_UTF8);
    }
    if (kind == 0) {
      H5Tset_size(type, H5T_VARIABLE);
    } else if (kind == 1) {
      H5Tset_size(type, fdp_.ConsumeIntegralInRange<size_t>(1, 64));
      if (fdp_.ConsumeBool()) H5Tset_cset(type, H5T_CSET_ASCII);  // as h5py writes bytes
    } else {
      static const hid_t* kNumbers[] = {&H5T_NATIVE_DOUBLE, &H5T_NATIVE_INT64, &H5T_NATIVE_INT32,
                                        &H5T_NATIVE_UINT8, &H5T_NATIVE_FLOAT};
      type = Handle(H5Tcopy(*kNumbers[kind - 2 + fdp_.ConsumeIntegralInRange(0, 2)]));
    }
    Handle o(H5Oopen(file_, obj.c_str(), H5P_DEFAULT));
    Handle a(H5Acreate2(o, name.c_str(), type, space, H5P_DEFAULT, H5P_DEFAULT));
    if (a < 0 || n == 0) return;
    if (kind == 0) {
      std::vector<std::string> s(n);
      std::vector<const char*> p;
      for (auto& x : s) {
        x = fdp_.ConsumeRandomLengthString(64);
        p.push_back(x.c_str());
      }
      H5Awrite(a, type, p.data());
    } else if (kind == 1) {
      const size_t w = H5Tget_size(type);
      std::string buf = fdp_.ConsumeBytesAsString(w * n);
      buf.resize(w * n, '\0');
      H5Awrite(a, type, buf.data());
    } else {
      std::vector<double> v(n);
      for (double& x : v) x = special_value(fdp_);
      H5Awrite(a, H5T_NATIVE_DOUBLE, v.data());
    }
  }

  // A snapshot's step and origin changed together, and its agents' next events with them (so
  // that the restore's own checks let them through).
  void move_in_time() {
    const std::string g = fdp_.ConsumeBool() ? "/snapshots/000000" : "/snapshots/000001";
    const int64_t step = to_int(special_value(fdp_));
    int64_t origin = 0;
    switch (fdp_.ConsumeIntegralInRange(0, 2)) {
      case 0:
        origin = step;
        break;
      case 1:
        origin = to_int(special_value(fdp_));
        break;
      default:
        break;
    }
    // (Through the open object: libhdf5 1.10 cannot write an attribute opened by name.)
    Handle obj(H5Oopen(file_, g.c_str(), H5P_DEFAULT));
    for (const auto& [name, value] : {std::pair{"step", step}, std::pair{"origin_step", origin}}) {
      Handle a(H5Aopen(obj, name, H5P_DEFAULT));
      if (a >= 0) H5Awrite(a, H5T_NATIVE_INT64, &value);
    }
    Handle ds(H5Dopen2(file_, (g + "/agents/next_event_step").c_str(), H5P_DEFAULT));
    if (ds < 0) return;
    Handle space(H5Dget_space(ds));
    const hssize_t n = H5Sget_simple_extent_npoints(space);
    if (n <= 0 || n > (1 << 20)) return;
    const int64_t next = fdp_.ConsumeBool() ? std::numeric_limits<int32_t>::max() : step;
    const std::vector<int64_t> v(static_cast<size_t>(n), next);
    H5Dwrite(ds, H5T_NATIVE_INT64, H5S_ALL, H5S_ALL, H5P_DEFAULT, v.data());
  }

  // The stored scenario: cut, extended, or replaced by text.
  void replace_scenario() {
    std::string text;
    try {
      text =
          marrow::h5::attr_string(Handle(H5Gopen2(file_, "parameters", H5P_DEFAULT)), "scenario");
    } catch (const marrow::h5::Error&) {
    }
    switch (fdp_.ConsumeIntegralInRange(0, 3)) {
      case 0:
        text = text.substr(0, fdp_.ConsumeIntegralInRange<size_t>(0, text.size()));
        break;
      case 1:
        text = fdp_.ConsumeRandomLengthString(2000);
        break;
      default: {
        // The scenario as run with some keys changed, re-resolved: a valid scenario that does
        // not match the snapshot (other lattice, types, pools, calendar, ...).
        static const std::vector<std::string> kKeys = {"lattice.size",
                                                       "lattice.block",
                                                       "lattice.calendar_window",
                                                       "lattice.neighbourhood",
                                                       "geometry.bone_thickness",
                                                       "geometry.sinusoids",
                                                       "types.LT_HSC.initial",
                                                       "types.MPP.initial",
                                                       "run.dt_hours",
                                                       "run.seed",
                                                       "maturation.myeloid.stages",
                                                       "blood.rbc.lifespan_days",
                                                       "fields.CXCL12.consumption_per_hour",
                                                       "organism.hsc_type"};
        std::vector<std::string> sets;
        for (int k = fdp_.ConsumeIntegralInRange(1, 3); k > 0; --k) {
          const std::string key = fdp_.ConsumeIntegralInRange(0, 7)
                                      ? pick(fdp_, kKeys)
                                      : fdp_.ConsumeRandomLengthString(30);
          sets.push_back(key + "=" + fdp_.ConsumeRandomLengthString(20));
        }
        try {
          text = marrow::load_scenario_text(text, "stored", sets).resolved_toml;
        } catch (const std::exception&) {
          // Not loadable: keep the text, with the edit appended.
          for (const auto& s : sets) text += "\n" + s;
        }
      }
    }
    Handle g(H5Gopen2(file_, "parameters", H5P_DEFAULT));
    if (g < 0) return;
    H5Adelete(g, "scenario");
    marrow::h5::set_attr(g, "scenario", text);
  }

  void add_link() {
    const std::string at = fdp_.ConsumeBool() ? any_path() : new_path();
    H5Ldelete(file_, at.c_str(), H5P_DEFAULT);
    switch (fdp_.ConsumeIntegralInRange(0, 4)) {
      case 0:  // to another object
        H5Lcreate_soft(any_path().c_str(), file_, at.c_str(), lcpl_, H5P_DEFAULT);
        break;
      case 1:  // dangling
        H5Lcreate_soft("/no/such/object", file_, at.c_str(), lcpl_, H5P_DEFAULT);
        break;
      case 2:  // to itself
        H5Lcreate_soft(at.c_str(), file_, at.c_str(), lcpl_, H5P_DEFAULT);
        break;
      case 3:  // to another file
        H5Lcreate_external("/nonexistent/marrow_fuzz.h5", "/x", file_, at.c_str(), lcpl_,
                           H5P_DEFAULT);
        break;
      default:  // the same object under another name
        H5Lcreate_hard(file_, any_path().c_str(), file_, at.c_str(), lcpl_, H5P_DEFAULT);
    }
  }

  FuzzedDataProvider& fdp_;
  hid_t file_;
  const Template& t_;
  Handle lcpl_;
};

// ---------------------------------------------------------------------------------------------
// The readers, as the CLI calls them.

std::string describe(const std::exception& e) {
  return std::string(typeid(e).name()) + ": " + e.what();
}

// MARROW_FUZZ_VERBOSE=1: print what each reader rejected (to follow an input by hand).
void rejected(const char* who, const std::exception& e) {
  static const bool verbose = std::getenv("MARROW_FUZZ_VERBOSE") != nullptr;
  if (verbose) std::fprintf(stderr, "%s rejected the file: %s\n", who, e.what());
}

// `marrow inspect [--json]` (cli/inspect_command.cpp).
void inspect(const std::string& path) {
  marrow::RunSummary s;
  try {
    s = marrow::read_summary(path);
  } catch (const marrow::OutputFileError& e) {
    rejected("inspect", e);
    return;
  } catch (const std::exception& e) {
    fail("read_summary threw other than OutputFileError", describe(e));
  }
  try {
    (void)marrow::summary_json(s);
  } catch (const std::exception& e) {
    fail("marrow inspect --json would fail on what read_summary accepted", describe(e));
  }
}

// `marrow run --restart SPEC` (cli/run_command.cpp). Returns whether the restart was accepted.
bool restart(const std::string& spec, const std::vector<std::string>& overrides, int steps) {
  std::unique_ptr<marrow::Simulation> sim;
  try {
    const marrow::Checkpoint c = marrow::read_checkpoint(spec);
    const marrow::LoadedScenario loaded =
        marrow::load_scenario_text(c.scenario_toml, spec + " (stored scenario)", overrides);
    // The scenario fuzzer covers big lattices; here keep each input fast.
    const auto& l = loaded.scenario.lattice;
    if (static_cast<int64_t>(l.nx) * l.ny * l.nz > 20000 || l.calendar_window > 4096) return false;
    sim = std::make_unique<marrow::Simulation>(loaded.scenario);
    sim->restore(c.step, c.origin_step, c.agents(sim->lattice()), c.blood_state,
                 c.fields_for(*sim));
    // NOTE: the CLI calls read_rows after it has created the output file, in a try block that
    // catches h5::Error only: an OutputFileError from here ends the CLI with std::terminate
    // (see the fuzzing report). It is the readers' documented error, so it is allowed here.
    const auto rows = marrow::read_rows(spec.substr(0, spec.rfind(".h5") + 3), *sim, c.time_days);
    (void)rows;
  } catch (const marrow::OutputFileError& e) {
    rejected("restart", e);
    return false;
  } catch (const marrow::ScenarioError& e) {
    rejected("restart", e);
    return false;
  } catch (const std::invalid_argument& e) {
    rejected("restart", e);
    return false;
  } catch (const std::exception& e) {
    fail("the restart threw an exception the CLI does not map to exit code 2", describe(e));
  }
  // The run continues from the restored state; nothing may throw now.
  try {
    (void)sim->observe();
    for (int i = 0; i < steps; ++i) sim->step();
    (void)sim->observe();
    (void)sim->agents();
  } catch (const std::exception& e) {
    fail("the restored simulation threw", describe(e));
  }
  return true;
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  H5Eset_auto2(H5E_DEFAULT, nullptr, nullptr);
  // MARROW_FUZZ_LIST=1: print the templates' datasets, groups and attributes with the indices
  // an input picks them by (to write a seed by hand; see corpus/output/README.md).
  if (std::getenv("MARROW_FUZZ_LIST")) {
    for (size_t i = 0; i < templates().size(); ++i) {
      const Template& t = templates()[i];
      for (size_t k = 0; k < t.datasets.size(); ++k)
        std::printf("template %zu dataset %zu %s %lld\n", i, k, t.datasets[k].c_str(),
                    t.lengths[k]);
      for (size_t k = 0; k < t.groups.size(); ++k)
        std::printf("template %zu group %zu %s\n", i, k, t.groups[k].c_str());
      for (size_t k = 0; k < t.attrs.size(); ++k)
        std::printf("template %zu attribute %zu %s %s\n", i, k, t.attrs[k].first.c_str(),
                    t.attrs[k].second.c_str());
    }
  }
  templates();
  output_path();  // constructed first, so destroyed after the handler below has run
  std::atexit([] { remove_output(output_path()); });
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  FuzzedDataProvider fdp(data, size);
  const auto& all = templates();
  const Template& t = all[fdp.ConsumeIntegralInRange<size_t>(0, all.size() - 1)];
  const std::string& path = output_path();

  std::string bytes = t.bytes;
  const int edits = fdp.ConsumeIntegralInRange(0, 6);
  const bool not_hdf5 = fdp.ConsumeIntegralInRange(0, 31) == 0;
  if (not_hdf5) {
    // Not HDF5 at all (short, so libhdf5 finds no signature at 0 or 512).
    bytes = fdp.ConsumeRandomLengthString(500);
    if (!bytes.empty()) bytes[0] = 'x';
  }
  {
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  }
  if (!not_hdf5 && edits > 0) {
    Handle f(H5Fopen(path.c_str(), H5F_ACC_RDWR, H5P_DEFAULT));
    if (f < 0) fail("cannot reopen the template", path);
    Editor editor(fdp, f, t);
    for (int i = 0; i < edits; ++i) editor.edit();
  }

  // FILE.h5 or FILE.h5:SNAPSHOT, and the CLI's own overrides (--seed, --days).
  std::string spec = path;
  if (fdp.ConsumeIntegralInRange(0, 3) == 0) spec += ":" + fdp.ConsumeRandomLengthString(12);
  std::vector<std::string> overrides;
  if (fdp.ConsumeIntegralInRange(0, 3) == 0)
    overrides.push_back("run.seed=" + std::to_string(fdp.ConsumeIntegral<uint32_t>()));
  const int steps = fdp.ConsumeIntegralInRange(0, 3);

  inspect(path);
  const bool restarted = restart(spec, overrides, steps);
  if (!restarted && !not_hdf5 && edits == 0 && spec == path)
    fail("a genuine output file does not restart", path);
  return 0;
}
