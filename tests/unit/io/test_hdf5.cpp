// The RAII layer over HDF5: datasets, attributes, links and errors.
#include <gtest/gtest.h>
#include <unistd.h>

#include <cmath>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <limits>
#include <numeric>
#include <string>
#include <vector>

#include "io/hdf5_file.hpp"

namespace marrow {
namespace {

namespace fs = std::filesystem;

class Hdf5 : public ::testing::Test {
 protected:
  void SetUp() override {
    const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
    path_ = (fs::temp_directory_path() /
             ("marrow_test_" + std::to_string(::getpid()) + "_" + info->name() + ".h5"))
                .string();
  }
  void TearDown() override {
    std::error_code ec;
    fs::remove(path_, ec);
  }
  std::string path_;
};

// The identity of the object at a path, and its number of hard links.
#if H5_VERSION_GE(1, 12, 0)
struct ObjectId {
  hid_t file;
  H5O_token_t token;
  bool operator==(const ObjectId& o) const {
    int cmp = 1;
    return H5Otoken_cmp(file, &token, &o.token, &cmp) >= 0 && cmp == 0;
  }
};
std::pair<ObjectId, unsigned> object_of(hid_t f, const char* path) {
  H5O_info2_t info;
  EXPECT_GE(H5Oget_info_by_name3(f, path, &info, H5O_INFO_BASIC, H5P_DEFAULT), 0) << path;
  return {ObjectId{f, info.token}, info.rc};
}
#else
struct ObjectId {
  haddr_t addr;
  bool operator==(const ObjectId& o) const { return addr == o.addr; }
};
std::pair<ObjectId, unsigned> object_of(hid_t f, const char* path) {
  H5O_info_t info;
  EXPECT_GE(H5Oget_info_by_name2(f, path, &info, H5O_INFO_BASIC, H5P_DEFAULT), 0) << path;
  return {ObjectId{info.addr}, info.rc};
}
#endif

template <class T>
std::vector<T> sample(size_t n) {
  std::vector<T> v(n);
  for (size_t i = 0; i < n; ++i) {
    if constexpr (std::is_floating_point_v<T>)
      v[i] = static_cast<T>(0.5 * static_cast<double>(i) - 3.25);
    else if constexpr (std::is_signed_v<T>)
      v[i] = static_cast<T>(static_cast<int64_t>(i * 7919 % 1000) - 500);
    else
      v[i] = static_cast<T>(i * 2654435761u);
  }
  return v;
}

template <class T>
void round_trip(hid_t file, const std::string& name) {
  // 1-D.
  const std::vector<T> a = sample<T>(1000);
  h5::write<T>(file, name + "/flat", a);
  std::vector<hsize_t> dims;
  EXPECT_EQ(h5::read<T>(file, name + "/flat", &dims), a) << name;
  EXPECT_EQ(dims, std::vector<hsize_t>{1000});
  // 3-D, row-major.
  const std::vector<T> b = sample<T>(4 * 5 * 6);
  h5::write<T>(file, name + "/cube", b, {4, 5, 6});
  EXPECT_EQ(h5::read<T>(file, name + "/cube", &dims), b) << name;
  EXPECT_EQ(dims, (std::vector<hsize_t>{4, 5, 6}));
  // Empty.
  h5::write<T>(file, name + "/empty", std::span<const T>());
  EXPECT_TRUE(h5::read<T>(file, name + "/empty", &dims).empty());
  EXPECT_EQ(dims, std::vector<hsize_t>{0});
}

TEST_F(Hdf5, EverySupportedTypeRoundTrips) {
  {
    h5::Handle f = h5::create_file(path_);
    round_trip<double>(f, "double");
    round_trip<float>(f, "float");
    round_trip<int64_t>(f, "int64");
    round_trip<int32_t>(f, "int32");
    round_trip<uint32_t>(f, "uint32");
    round_trip<uint16_t>(f, "uint16");
    round_trip<uint8_t>(f, "uint8");
  }
  // And after closing and reopening read-only.
  h5::Handle f = h5::open_file(path_);
  EXPECT_EQ(h5::read<double>(f, "double/cube"), sample<double>(120));
  EXPECT_EQ(h5::read<uint8_t>(f, "uint8/flat"), sample<uint8_t>(1000));
  EXPECT_EQ(h5::read<int64_t>(f, "int64/flat"), sample<int64_t>(1000));
  EXPECT_EQ(h5::children(f), (std::vector<std::string>{"double", "float", "int32", "int64",
                                                       "uint16", "uint32", "uint8"}));
  EXPECT_EQ(h5::children(h5::open_group(f, "int32")),
            (std::vector<std::string>{"cube", "empty", "flat"}));
}

TEST_F(Hdf5, ExtremeValuesAndLargeChunkedData) {
  const std::vector<int64_t> ext = {std::numeric_limits<int64_t>::min(), -1, 0,
                                    std::numeric_limits<int64_t>::max()};
  const std::vector<double> special = {std::numeric_limits<double>::infinity(), -0.0, 1e-310,
                                       std::numeric_limits<double>::max()};
  // Above the 1 MiB chunk size, so the chunk shape is reduced.
  std::vector<uint32_t> big(3 * 400 * 300);
  std::iota(big.begin(), big.end(), 17u);
  {
    h5::Handle f = h5::create_file(path_);
    h5::write<int64_t>(f, "ext", ext);
    h5::write<double>(f, "special", special);
    h5::write<uint32_t>(f, "big", big, {3, 400, 300});
  }
  h5::Handle f = h5::open_file(path_);
  EXPECT_EQ(h5::read<int64_t>(f, "ext"), ext);
  const auto d = h5::read<double>(f, "special");
  ASSERT_EQ(d.size(), special.size());
  for (size_t i = 0; i < d.size(); ++i) EXPECT_EQ(d[i], special[i]);
  EXPECT_TRUE(std::signbit(d[1]));
  EXPECT_EQ(h5::read<uint32_t>(f, "big"), big);
}

TEST_F(Hdf5, ShapeMustMatchTheData) {
  h5::Handle f = h5::create_file(path_);
  const std::vector<double> v(10, 1.0);
  EXPECT_THROW(h5::write<double>(f, "bad", v, {3, 3}), h5::Error);
  EXPECT_FALSE(h5::exists(f, "bad"));
  h5::write<double>(f, "ok", v, {2, 5});
  EXPECT_THROW(h5::write<double>(f, "ok", v), h5::Error);  // already there
}

TEST_F(Hdf5, GroupsAndExists) {
  h5::Handle f = h5::create_file(path_);
  EXPECT_FALSE(h5::exists(f, "a"));
  EXPECT_FALSE(h5::exists(f, "a/b/c"));
  h5::Handle g = h5::ensure_group(f, "a/b/c");
  EXPECT_TRUE(h5::exists(f, "a"));
  EXPECT_TRUE(h5::exists(f, "a/b"));
  EXPECT_TRUE(h5::exists(f, "a/b/c"));
  EXPECT_TRUE(h5::exists(f, "/a/b"));
  EXPECT_FALSE(h5::exists(f, "a/x/c"));
  h5::ensure_group(f, "a/b/c");  // idempotent
  h5::write<int32_t>(g, "data", std::vector<int32_t>{1, 2, 3});
  EXPECT_EQ(h5::read<int32_t>(f, "a/b/c/data"), (std::vector<int32_t>{1, 2, 3}));
  EXPECT_THROW(h5::open_group(f, "nope"), h5::Error);
  // A path through a dataset does not exist (and does not throw).
  EXPECT_FALSE(h5::exists(f, "a/b/c/data/deeper"));
}

TEST_F(Hdf5, AttributesOfEveryKind) {
  {
    h5::Handle f = h5::create_file(path_);
    h5::Handle g = h5::ensure_group(f, "meta");
    h5::set_attr(g, "name", std::string("marrow run \xc3\xa9"));
    h5::set_attr(g, "empty", std::string());
    h5::set_attr(g, "dt", 0.25);
    h5::set_attr(g, "steps", int64_t{-1234567890123});
    h5::set_attr(g, "types", std::vector<std::string>{"LT_HSC", "", "MPP"});
    h5::set_attr(f, "schema", int64_t{1});
    // Writing again replaces.
    h5::set_attr(g, "dt", 0.5);
    h5::set_attr(g, "name", std::string("second"));
  }
  h5::Handle f = h5::open_file(path_);
  h5::Handle g = h5::open_group(f, "meta");
  EXPECT_TRUE(h5::has_attr(g, "name"));
  EXPECT_FALSE(h5::has_attr(g, "absent"));
  EXPECT_EQ(h5::attr_string(g, "name"), "second");
  EXPECT_EQ(h5::attr_string(g, "empty"), "");
  EXPECT_EQ(h5::attr_double(g, "dt"), 0.5);
  EXPECT_EQ(h5::attr_int(g, "steps"), -1234567890123);
  EXPECT_EQ(h5::attr_strings(g, "types"), (std::vector<std::string>{"LT_HSC", "", "MPP"}));
  EXPECT_EQ(h5::attr_int(f, "schema"), 1);
  // Numbers convert on read; kinds that do not fit throw.
  EXPECT_EQ(h5::attr_double(g, "steps"), -1234567890123.0);
  EXPECT_THROW(h5::attr_string(g, "dt"), h5::Error);
  EXPECT_THROW(h5::attr_string(g, "types"), h5::Error);  // not scalar
  EXPECT_THROW(h5::attr_strings(g, "steps"), h5::Error);
  EXPECT_THROW(h5::attr_double(g, "types"), h5::Error);
  EXPECT_THROW(h5::attr_double(g, "absent"), h5::Error);
  EXPECT_THROW(h5::attr_int(g, "absent"), h5::Error);
  EXPECT_THROW(h5::attr_string(g, "absent"), h5::Error);
}

TEST_F(Hdf5, HardLinkSharesTheDataset) {
  {
    h5::Handle f = h5::create_file(path_);
    h5::write<double>(f, "snapshots/0/blood", std::vector<double>{1.5, 2.5});
    h5::link(f, "snapshots/0/blood", "final/blood");
    h5::link(f, "/snapshots/0", "latest");
    EXPECT_THROW(h5::link(f, "missing/target", "x"), h5::Error);
  }
  h5::Handle f = h5::open_file(path_);
  EXPECT_EQ(h5::read<double>(f, "final/blood"), (std::vector<double>{1.5, 2.5}));
  EXPECT_EQ(h5::read<double>(f, "latest/blood"), (std::vector<double>{1.5, 2.5}));
  // The same object, now with two links to it.
  const auto [a, rc_a] = object_of(f, "final/blood");
  const auto [b, rc_b] = object_of(f, "snapshots/0/blood");
  EXPECT_TRUE(a == b);
  EXPECT_EQ(rc_a, 2u);
  EXPECT_EQ(rc_b, 2u);
  H5L_info_t info;
  ASSERT_GE(H5Lget_info(f, "final/blood", &info, H5P_DEFAULT), 0);
  EXPECT_EQ(info.type, H5L_TYPE_HARD);
}

TEST_F(Hdf5, OpeningANonHdf5FileThrows) {
  std::ofstream(path_) << "this is not an HDF5 file\n";
  EXPECT_THROW(h5::open_file(path_), h5::Error);
  try {
    h5::open_file(path_);
  } catch (const h5::Error& e) {
    EXPECT_NE(std::string(e.what()).find(path_), std::string::npos) << e.what();
  }
  EXPECT_THROW(h5::open_file(path_ + ".missing"), h5::Error);
}

TEST_F(Hdf5, ReadingAMissingDatasetThrows) {
  h5::Handle f = h5::create_file(path_);
  h5::write<double>(f, "present", std::vector<double>{1});
  EXPECT_THROW(h5::read<double>(f, "absent"), h5::Error);
  EXPECT_THROW(h5::read<double>(f, "group/absent"), h5::Error);
  EXPECT_THROW(h5::read<int32_t>(f, "present/child"), h5::Error);
  h5::ensure_group(f, "grp");
  EXPECT_THROW(h5::read<double>(f, "grp"), h5::Error);  // a group is not a dataset
}

TEST_F(Hdf5, HandlesCloseAndMove) {
  h5::Handle f = h5::create_file(path_);
  const hid_t id = f.get();
  EXPECT_GT(H5Iis_valid(id), 0);
  h5::Handle g = std::move(f);
  EXPECT_EQ(g.get(), id);
  EXPECT_EQ(f.get(), H5I_INVALID_HID);
  g.reset();
  EXPECT_EQ(g.get(), H5I_INVALID_HID);
  EXPECT_LE(H5Iis_valid(id), 0);
  // The file was closed: it can be created again.
  h5::Handle again = h5::create_file(path_);
  EXPECT_GE(again.get(), 0);
}

}  // namespace
}  // namespace marrow
