// The output discipline: claiming a target, the lock, the exclusive temporary, commit.
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>

#include "io/hdf5_file.hpp"
#include "io/output_target.hpp"

namespace marrow {
namespace {

namespace fs = std::filesystem;

class OutputTargetTest : public ::testing::Test {
 protected:
  void SetUp() override {
    const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
    dir_ = fs::temp_directory_path() /
           ("marrow_target_" + std::to_string(::getpid()) + "_" + info->name());
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }
  std::string at(const std::string& name) const { return (dir_ / name).string(); }
  static void text(const std::string& path, const std::string& s) { std::ofstream(path) << s; }
  static std::string read(const std::string& path) {
    std::ifstream in(path);
    return std::string(std::istreambuf_iterator<char>(in), {});
  }
  // A minimal marrow output at `path`.
  static void marrow_file(const std::string& path) {
    h5::Handle f = h5::create_file(path);
    h5::set_attr(f, "schema_version", int64_t{1});
    h5::ensure_group(f, "provenance");
  }
  size_t entries() const {
    return static_cast<size_t>(std::distance(fs::directory_iterator(dir_), {}));
  }
  fs::path dir_;
};

template <class F>
std::string refusal(F&& f) {
  try {
    f();
  } catch (const TargetError& e) {
    return e.what();
  }
  return "";
}

TEST_F(OutputTargetTest, CommitRenamesTheSyncedTemporaryAndReleasesTheLock) {
  std::string temp;
  {
    OutputTarget t(at("r.h5"), {}, true);
    EXPECT_TRUE(fs::exists(at("r.h5.lock")));
    temp = t.create_temporary();
    EXPECT_EQ(temp, at("r.h5") + "." + std::to_string(getpid()) + ".partial");
    text(temp, "data");
    EXPECT_EQ(t.commit(true), at("r.h5"));
    EXPECT_FALSE(fs::exists(at("r.h5.lock")));
  }
  EXPECT_EQ(read(at("r.h5")), "data");
  EXPECT_FALSE(fs::exists(temp));
  EXPECT_EQ(entries(), 1u);
}

TEST_F(OutputTargetTest, AnAbandonedTargetLeavesNothing) {
  {
    OutputTarget t(at("r.h5"), {}, true);
    text(t.create_temporary(), "half");
  }
  EXPECT_EQ(entries(), 0u);
}

TEST_F(OutputTargetTest, ASecondClaimOfTheSameNameIsRefusedWhileTheFirstHoldsIt) {
  OutputTarget first(at("r.h5"), {}, true);
  EXPECT_NE(refusal([&] {
              OutputTarget second(at("r.h5"), {}, true);
            }).find("being written by another marrow run (process " + std::to_string(getpid())),
            std::string::npos);
  OutputTarget other(at("s.h5"), {}, true);  // another name is free
  first = OutputTarget();                    // released
  OutputTarget again(at("r.h5"), {}, true);
}

TEST_F(OutputTargetTest, RefusesWhatIsNotANewOrReplaceableRegularFile) {
  fs::create_directory(at("adir"));
  ASSERT_EQ(mkfifo(at("fifo").c_str(), 0644), 0);
  text(at("user.h5"), "not marrow");
  text(at("in.toml"), "x = 1");
  EXPECT_NE(refusal([&] { OutputTarget(at("adir"), {}, true); }).find("is a directory"),
            std::string::npos);
  EXPECT_NE(refusal([&] { OutputTarget(at("fifo"), {}, true); }).find("is a FIFO"),
            std::string::npos);
  EXPECT_NE(refusal([&] { OutputTarget("/dev/null", {}, true); }).find("is a device"),
            std::string::npos);
  EXPECT_NE(refusal([&] { OutputTarget(at("user.h5"), {}, true); }).find("not a marrow output"),
            std::string::npos);
  EXPECT_NE(refusal([&] { OutputTarget(at("in.toml"), {at("in.toml")}, true); }).find("input"),
            std::string::npos);
  EXPECT_NE(refusal([&] { OutputTarget(at("x.xmf"), {}, true); }).find("sidecar"),
            std::string::npos);
  EXPECT_NE(refusal([&] { OutputTarget(at("no/r.h5"), {}, true); }).find("does not exist"),
            std::string::npos);
  // A text target replaces a regular file; a marrow output is replaceable.
  OutputTarget csv(at("user.h5"), {}, false, TargetKind::kText);
  marrow_file(at("old.h5"));
  OutputTarget h5(at("old.h5"), {}, true);
  EXPECT_EQ(read(at("in.toml")), "x = 1");
}

TEST_F(OutputTargetTest, TheSidecarMustBeFreeOrAnXdmfFile) {
  ASSERT_EQ(mkfifo(at("a.xmf").c_str(), 0644), 0);
  EXPECT_NE(refusal([&] { OutputTarget(at("a.h5"), {}, true); }).find("a.xmf"), std::string::npos);
  text(at("b.xmf"), "my notes");
  EXPECT_NE(refusal([&] { OutputTarget(at("b.h5"), {}, true); }).find("not an XDMF file"),
            std::string::npos);
  text(at("c.xmf"), "<?xml version=\"1.0\"?>\n<Xdmf Version=\"3.0\">");
  OutputTarget c(at("c.h5"), {}, true);
  OutputTarget b(at("b.h5"), {}, false);  // no sidecar, no conflict
}

TEST_F(OutputTargetTest, AnIncompleteResultNeverReplacesAnExistingFile) {
  marrow_file(at("r.h5"));
  const auto size = fs::file_size(at("r.h5"));
  for (const char* expect : {"r.interrupted.h5", "r.interrupted.2.h5"}) {
    OutputTarget t(at("r.h5"), {}, true);
    text(t.create_temporary(), "partial state");
    EXPECT_EQ(t.commit(false), at(expect));
  }
  EXPECT_EQ(fs::file_size(at("r.h5")), size);
  EXPECT_EQ(read(at("r.interrupted.2.h5")), "partial state");
  // Where nothing exists, an incomplete result takes the name itself.
  OutputTarget t(at("new.h5"), {}, true);
  text(t.create_temporary(), "x");
  EXPECT_EQ(t.commit(false), at("new.h5"));
}

TEST_F(OutputTargetTest, TemporariesOfKilledRunsAreRemovedByTheNextClaim) {
  text(at("r.h5.12345.partial"), "killed");
  text(at("r.h5.notapid.partial"), "keep");
  text(at("rr.h5.12345.partial"), "another target's");
  { OutputTarget t(at("r.h5"), {}, true); }
  EXPECT_FALSE(fs::exists(at("r.h5.12345.partial")));
  EXPECT_TRUE(fs::exists(at("r.h5.notapid.partial")));
  EXPECT_TRUE(fs::exists(at("rr.h5.12345.partial")));
}

TEST_F(OutputTargetTest, TextIsWrittenWhole) {
  write_text_atomically(at("a.csv"), "a,b\n1,2\n");
  write_text_atomically(at("a.csv"), "a,b\n3,4\n");
  EXPECT_EQ(read(at("a.csv")), "a,b\n3,4\n");
  EXPECT_EQ(entries(), 1u);
  EXPECT_THROW(write_text_atomically(at("no/a.csv"), "x"), WriteError);
}

}  // namespace
}  // namespace marrow
