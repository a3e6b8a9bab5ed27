// Importing a user-segmented geometry: a uint8 label volume from HDF5 or a raw file, mapped to
// site kinds; it round-trips to the same site kinds, and bad dimensions or labels are errors.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "core/lattice.hpp"
#include "io/hdf5_file.hpp"
#include "io/scenario.hpp"
#include "niche/geometry.hpp"

namespace marrow {
namespace {

namespace fs = std::filesystem;

std::string temp(const std::string& name) {
  return (fs::temp_directory_path() / ("marrow_labels_" + std::to_string(::getpid()) + "_" + name))
      .string();
}

// The site kinds of the generated geometry of a 2D scenario, [y][x], written with labels
// 10 + kind (so the mapping matters).
struct Volume {
  Scenario sc;
  std::vector<uint8_t> kinds, labels;
};

Volume generated(const std::vector<std::string>& set) {
  Volume v;
  v.sc = load_scenario("", set).scenario;
  const Lattice lat(v.sc.lattice.nx, v.sc.lattice.ny, v.sc.lattice.nz, v.sc.lattice.neighbourhood);
  const Geometry g = generate_geometry(lat, v.sc.geometry);
  for (int z = 0; z < lat.nz(); ++z)
    for (int y = 0; y < lat.ny(); ++y)
      for (int x = 0; x < lat.nx(); ++x) {
        v.kinds.push_back(g.kind[lat.index(x, y, z)]);
        v.labels.push_back(static_cast<uint8_t>(10 + g.kind[lat.index(x, y, z)]));
      }
  return v;
}

const std::string kMap = "geometry.labels={marrow=10,bone=11,sinusoid=12,arteriole=13}";

std::vector<uint8_t> imported_kinds(const std::vector<std::string>& set) {
  const Scenario sc = load_scenario("", set).scenario;
  const Lattice lat(sc.lattice.nx, sc.lattice.ny, sc.lattice.nz, sc.lattice.neighbourhood);
  const Geometry g = generate_geometry(lat, sc.geometry);
  std::vector<uint8_t> k;
  for (int z = 0; z < lat.nz(); ++z)
    for (int y = 0; y < lat.ny(); ++y)
      for (int x = 0; x < lat.nx(); ++x) k.push_back(g.kind[lat.index(x, y, z)]);
  return k;
}

TEST(Labels, HdfVolumeRoundTripsToTheSameSiteKinds) {
  const std::vector<std::string> size = {"lattice.size=[80, 60]"};
  const Volume v = generated(size);
  const std::string path = temp("v.h5");
  {
    h5::Handle f = h5::create_file(path);
    h5::write<uint8_t>(f, "segmentation/labels", v.labels, {60, 80});
  }
  auto set = size;
  set.push_back("geometry.labels_file=" + path);
  set.push_back("geometry.labels_dataset=segmentation/labels");
  set.push_back(kMap);
  EXPECT_EQ(imported_kinds(set), v.kinds);
  // A different shape is named in the message.
  set[0] = "lattice.size=[60, 80]";
  try {
    load_scenario("", set);
    ADD_FAILURE() << "no error for a wrong shape";
  } catch (const ScenarioError& e) {
    EXPECT_NE(std::string(e.what()).find("labels_dataset"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("[60, 80]"), std::string::npos) << e.what();
  }
  fs::remove(path);
}

TEST(Labels, RawVolumeRoundTripsIn3D) {
  const std::vector<std::string> size = {"lattice.size=[24, 20, 16]", "lattice.block=4",
                                         "lattice.division_reach=2"};
  const Volume v = generated(size);
  const std::string path = temp("v.raw");
  std::ofstream(path, std::ios::binary)
      .write(reinterpret_cast<const char*>(v.labels.data()),
             static_cast<std::streamsize>(v.labels.size()));
  auto set = size;
  set.push_back("geometry.labels_file=" + path);
  set.push_back("geometry.labels_dims=[24, 20, 16]");
  set.push_back(kMap);
  EXPECT_EQ(imported_kinds(set), v.kinds);
  auto bad = set;
  bad[4] = "geometry.labels_dims=[24, 20, 15]";
  try {
    load_scenario("", bad);
    ADD_FAILURE() << "no error for wrong dimensions";
  } catch (const ScenarioError& e) {
    EXPECT_NE(std::string(e.what()).find("labels_dims"), std::string::npos) << e.what();
  }
  // A label the mapping does not know.
  auto unknown = set;
  unknown[5] = "geometry.labels={marrow=10,bone=11,sinusoid=12}";
  try {
    load_scenario("", unknown);
    ADD_FAILURE() << "no error for an unmapped label";
  } catch (const ScenarioError& e) {
    EXPECT_NE(std::string(e.what()).find("label 13"), std::string::npos) << e.what();
  }
  fs::remove(path);
}

}  // namespace
}  // namespace marrow
