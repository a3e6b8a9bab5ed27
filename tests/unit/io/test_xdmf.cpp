// The XDMF sidecar: what it describes, and that it replaces its target whole or not at all.
#include <gtest/gtest.h>
#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <csignal>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

#include "io/xdmf.hpp"

namespace marrow {
namespace {

namespace fs = std::filesystem;

class Xdmf : public ::testing::Test {
 protected:
  void SetUp() override {
    const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
    dir_ = fs::temp_directory_path() /
           ("marrow_xdmf_" + std::to_string(::getpid()) + "_" + info->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_);
    layout_.nx = 4;
    layout_.ny = 3;
    layout_.nz = 1;
    layout_.fields = {"CXCL12"};
    layout_.agent_fields = {"type", "clone", "origin", "divisions", "quiescent", "gene_modified"};
    snapshots_ = {{"000000", 2.0, 5}, {"000001", 4.5, 0}, {"000002", 7.0, 3}};
  }
  void TearDown() override {
    std::error_code ec;
    fs::remove_all(dir_, ec);
  }
  std::vector<std::string> entries() const {
    std::vector<std::string> names;
    for (const auto& e : fs::directory_iterator(dir_)) names.push_back(e.path().filename());
    std::sort(names.begin(), names.end());
    return names;
  }
  static std::string slurp(const fs::path& p) {
    std::ifstream in(p);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
  }
  // The message of the std::runtime_error that write_xdmf throws for `target`.
  std::string failure(const std::string& target) const {
    try {
      write_xdmf(target, "run.h5", layout_, snapshots_);
    } catch (const std::runtime_error& e) {
      return e.what();
    }
    ADD_FAILURE() << "write_xdmf(" << target << ") did not throw";
    return "";
  }
  fs::path dir_;
  XdmfLayout layout_;
  std::vector<XdmfSnapshot> snapshots_;
};

size_t count(const std::string& text, const std::string& what) {
  size_t n = 0;
  for (size_t at = text.find(what); at != std::string::npos; at = text.find(what, at + 1)) ++n;
  return n;
}

TEST_F(Xdmf, DescribesEverySnapshotWithTypesXdmf3Reads) {
  const fs::path target = dir_ / "run.xmf";
  write_xdmf(target, "run.h5", layout_, snapshots_);
  EXPECT_EQ(entries(), std::vector<std::string>{"run.xmf"});
  const std::string x = slurp(target);
  EXPECT_EQ(count(x, "<Time Value="), 3u);
  EXPECT_NE(x.find("<Time Value=\"4.5\"/>"), std::string::npos);
  EXPECT_EQ(count(x, "<Grid Name=\"lattice\""), 3u);
  // No agents grid for the snapshot without agents.
  EXPECT_EQ(count(x, "<Grid Name=\"agents\""), 2u);
  EXPECT_NE(x.find("NumberOfElements=\"5\""), std::string::npos);
  EXPECT_NE(x.find("run.h5:/snapshots/000002/agents/y</DataItem>"), std::string::npos);
  EXPECT_NE(x.find("NumberType=\"UShort\" Precision=\"2\" Format=\"HDF\">run.h5:/snapshots/"
                   "000000/agents/divisions"),
            std::string::npos);
  EXPECT_NE(x.find("NumberType=\"UInt\" Precision=\"4\" Format=\"HDF\">run.h5:/snapshots/"
                   "000000/agents/clone"),
            std::string::npos);
  EXPECT_EQ(x.find("NumberType=\"UInt\" Precision=\"2\""), std::string::npos);
  EXPECT_NE(x.find("Dimensions=\"1 3 4\" NumberType=\"Float\""), std::string::npos);
  EXPECT_NE(x.find("Dimensions=\"2 4 5\""), std::string::npos);
  EXPECT_EQ(count(x, "GeometryType=\"X_Y_Z\""), 2u);
}

TEST_F(Xdmf, InterleavedPositionsBecomeAnXyzGeometry) {
  layout_.agent_fields.push_back("position");
  const fs::path target = dir_ / "run.xmf";
  write_xdmf(target, "run.h5", layout_, snapshots_);
  const std::string x = slurp(target);
  EXPECT_EQ(count(x, "GeometryType=\"XYZ\""), 2u);
  EXPECT_EQ(x.find("X_Y_Z"), std::string::npos);
  EXPECT_NE(x.find("<DataItem Dimensions=\"5 3\" NumberType=\"Int\" Precision=\"4\" "
                   "Format=\"HDF\">run.h5:/snapshots/000000/agents/position</DataItem>"),
            std::string::npos);
  EXPECT_EQ(x.find("Name=\"position\""), std::string::npos);
}

TEST_F(Xdmf, EscapesNamesForXml) {
  layout_.fields = {"a<b&\"c\""};
  write_xdmf(dir_ / "run.xmf", "r&d.h5", layout_, snapshots_);
  const std::string x = slurp(dir_ / "run.xmf");
  EXPECT_NE(x.find("Name=\"a&lt;b&amp;&quot;c&quot;\""), std::string::npos);
  EXPECT_NE(x.find(">r&amp;d.h5:/snapshots/000000/fields/a&lt;b&amp;&quot;c&quot;</DataItem>"),
            std::string::npos);
}

TEST_F(Xdmf, ReplacesAnExistingSidecarLeavingOnlyTheTarget) {
  const fs::path target = dir_ / "run.xmf";
  std::ofstream(target) << "old";
  write_xdmf(target, "run.h5", layout_, snapshots_);
  EXPECT_EQ(entries(), std::vector<std::string>{"run.xmf"});
  EXPECT_EQ(slurp(target).rfind("<?xml", 0), 0u);
}

TEST_F(Xdmf, MissingFolderThrowsNamingTheFileAndTheReason) {
  const std::string target = (dir_ / "missing" / "run.xmf").string();
  const std::string what = failure(target);
  EXPECT_NE(what.find(target), std::string::npos) << what;
  EXPECT_NE(what.find(std::strerror(ENOENT)), std::string::npos) << what;
  EXPECT_TRUE(entries().empty());
}

TEST_F(Xdmf, FailedRenameRemovesTheTemporary) {
  // A folder in the sidecar's place: everything is written, the final rename fails.
  const fs::path target = dir_ / "run.xmf";
  fs::create_directory(target);
  const std::string what = failure(target.string());
  EXPECT_NE(what.find(target.string()), std::string::npos) << what;
  EXPECT_NE(what.find(std::strerror(EISDIR)), std::string::npos) << what;
  EXPECT_EQ(entries(), std::vector<std::string>{"run.xmf"});
  EXPECT_TRUE(fs::is_directory(target));
}

TEST_F(Xdmf, FullDiskIsDetectedAndLeavesTheOldSidecar) {
  const fs::path target = dir_ / "run.xmf";
  std::ofstream(target) << "old";
  // A file size limit makes write(2) fail part-way as a full disk does (EFBIG instead of ENOSPC).
  rlimit saved{};
  ASSERT_EQ(::getrlimit(RLIMIT_FSIZE, &saved), 0);
  void (*previous)(int) = std::signal(SIGXFSZ, SIG_IGN);
  rlimit small = saved;
  small.rlim_cur = 64;
  ASSERT_EQ(::setrlimit(RLIMIT_FSIZE, &small), 0);
  std::string what;
  try {
    write_xdmf(target, "run.h5", layout_, snapshots_);
  } catch (const std::runtime_error& e) {
    what = e.what();
  }
  ::setrlimit(RLIMIT_FSIZE, &saved);
  std::signal(SIGXFSZ, previous);
  EXPECT_NE(what.find("cannot write " + target.string()), std::string::npos) << what;
  EXPECT_NE(what.find(std::strerror(EFBIG)), std::string::npos) << what;
  EXPECT_EQ(entries(), std::vector<std::string>{"run.xmf"});
  EXPECT_EQ(slurp(target), "old");
}

TEST_F(Xdmf, LeftoverTemporaryOfThisProcessIsNotFollowed) {
  // Exclusive creation: a file (or a link an attacker planted) under the temporary's name makes
  // the write fail instead of writing through it.
  const fs::path target = dir_ / "run.xmf";
  const fs::path planted = dir_ / "elsewhere";
  std::ofstream(planted) << "keep";
  const fs::path tmp = dir_ / ("run.xmf." + std::to_string(::getpid()) + ".tmp");
  fs::create_symlink(planted, tmp);
  const std::string what = failure(target.string());
  EXPECT_NE(what.find(std::strerror(EEXIST)), std::string::npos) << what;
  EXPECT_EQ(slurp(planted), "keep");
  EXPECT_FALSE(fs::exists(target));
}

}  // namespace
}  // namespace marrow
