// Hostile input: keys and nesting too deep for the parser, label files that are not regular
// files, out-of-range labels, and lineage graphs whose cells never reach the blood. Each is one
// ScenarioError naming the file, line and key (or a warning), never a crash or a hang.
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "io/presets.hpp"
#include "io/scenario.hpp"
#include "io/toml_reader.hpp"

namespace marrow {
namespace {

namespace fs = std::filesystem;

std::string temp(const std::string& name) {
  return (fs::temp_directory_path() /
          ("marrow_hardening_" + std::to_string(::getpid()) + "_" + name))
      .string();
}

// A file in the temporary directory, removed at the end of the test.
class TempFile {
 public:
  TempFile(const std::string& name, const std::string& text) : path_(temp(name)) {
    std::ofstream(path_, std::ios::binary) << text;
  }
  ~TempFile() {
    std::error_code ec;
    fs::remove(path_, ec);
  }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

// The message of the ScenarioError that loading throws; fails the test if none is thrown.
std::string error_of(const std::string& file, const std::vector<std::string>& overrides = {}) {
  try {
    load_scenario(file, overrides);
  } catch (const ScenarioError& e) {
    return e.what();
  } catch (const std::exception& e) {
    ADD_FAILURE() << "not a ScenarioError: " << e.what();
    return "";
  }
  ADD_FAILURE() << "no error for " << file;
  return "";
}

#define EXPECT_HAS(message, part)                    \
  EXPECT_NE((message).find(part), std::string::npos) \
      << "missing \"" << (part) << "\" in: " << (message).substr(0, 2000)

std::string dotted(const std::string& part, size_t n) {
  std::string k = part;
  for (size_t i = 1; i < n; ++i) k += "." + part;
  return k;
}

TEST(InputHardening, DeepDottedKeyInAFileNamesItsLine) {
  const TempFile f("deep_key.toml", "[run]\ndays = 3.0\n" + dotted("a", 50000) + " = 1\n");
  const std::string m = error_of(f.path());
  EXPECT_HAS(m, f.path() + ":3:");
  EXPECT_HAS(m, "50000 dotted parts");
  EXPECT_HAS(m, "expected a key of at most 32 parts");
  EXPECT_LT(m.size(), 400u) << "the message quotes the whole key";
}

TEST(InputHardening, DeepTableHeaderInAFileNamesItsLine) {
  const TempFile f("deep_header.toml", "# a comment\n\n[run." + dotted("a", 50000) + "]\nx = 1\n");
  const std::string m = error_of(f.path());
  EXPECT_HAS(m, f.path() + ":3:");
  EXPECT_HAS(m, "expected a table header of at most 32 parts");
  const TempFile g("deep_array_header.toml", "[[" + dotted("b", 33) + "]]\n");
  EXPECT_HAS(error_of(g.path()), g.path() + ":1:");
}

TEST(InputHardening, DeepDottedKeyInAnOverride) {
  const std::string m = error_of("", {"run." + dotted("a", 50000) + "=1"});
  EXPECT_HAS(m, "--set run.a.a.a");
  EXPECT_HAS(m, "line 1");
  EXPECT_HAS(m, "expected a key of at most 32 parts");
  EXPECT_LT(m.size(), 400u) << "the message quotes the whole override";
}

TEST(InputHardening, OverrideValueCannotCarryADeepTable) {
  // A value that is not TOML is read as a string: its quotes must not let a header through.
  const std::string m = error_of("", {"organism.name=x\"\n[" + dotted("a", 40) + "]\nb=\""});
  EXPECT_HAS(m, "--set organism.name=x\"\\n[a.a.a");
  EXPECT_HAS(m, "line 2");
  EXPECT_HAS(m, "expected a table header of at most 32 parts");
}

TEST(InputHardening, LongKeysAndDeepNestingAreErrors) {
  const TempFile f("long_key.toml", "[run]\n" + std::string(1100, 'k') + " = 1\n");
  const std::string m = error_of(f.path());
  EXPECT_HAS(m, f.path() + ":2:");
  EXPECT_HAS(m, "expected a key of at most 1024 characters");

  const TempFile g("deep_array.toml",
                   "[run]\ndays = 1.0\nx = " + std::string(65, '[') + std::string(65, ']') + "\n");
  const std::string n = error_of(g.path());
  EXPECT_HAS(n, g.path() + ":3:");
  EXPECT_HAS(n, "expected at most 64 levels of nesting");

  std::string inline_tables = "x = ";
  for (int i = 0; i < 70; ++i) inline_tables += "{ a = ";
  inline_tables += "1" + std::string(70, '}') + "\n";
  EXPECT_HAS(error_of("", {inline_tables}), "expected at most 64 levels of nesting");

  // Within each bound, but 129 levels in all.
  const std::string k = dotted("k", 32);
  const TempFile h("deep_total.toml",
                   "[" + k + "]\n" + k + " = { " + k + " = { " + k + " = [1] } }\n");
  const std::string o = error_of(h.path());
  EXPECT_HAS(o, h.path() + ":2:");
  EXPECT_HAS(o, "129 levels deep");
  EXPECT_HAS(o, "expected at most 128 levels");
}

TEST(InputHardening, ShapeCheckFollowsStringsCommentsAndLines) {
  const std::string deep = dotted("a", 40);
  // Dots and brackets inside strings and comments are not keys or nesting.
  const std::string quiet =
      "# [" + deep + "]\n" + "s = \"" + deep + " [[[[ {{{{\"\n" + "t = '" + deep + " ]]]] \\'\n" +
      "u = \"\"\"\n" + deep + " = [[[[\n\\\"\"\" still a string\n\"\"\"\n" + "v = '''\n[" + deep +
      "]\n''''\n" + "w = \"\"\"x\"\"\"\"\"\n" + "\"" + deep + "\" = 1   # one quoted part\n" +
      "d = 1979-05-27 07:32:00Z\n" + "[ x . 'y.z' . \"w\" ]\n" +
      "a = [ { b.c = [1, { d = '}' }] }, # }\n  [2] ]\n";
  EXPECT_FALSE(check_toml_shape(quiet)) << check_toml_shape(quiet)->message;
  const toml::table parsed = toml::parse(quiet);  // and it is TOML the parser takes
  EXPECT_TRUE(parsed.contains("w"));
  // The line counts multi-line strings and comments.
  const auto bad = check_toml_shape(quiet + "[[" + deep + "]]\n");
  ASSERT_TRUE(bad);
  EXPECT_EQ(bad->line, 17u);
  EXPECT_EQ(check_toml_shape("x = [" + std::string(64, '[') + std::string(65, ']'))->line, 1u);
  EXPECT_FALSE(check_toml_shape("x = " + std::string(64, '[') + std::string(64, ']')));
  // A byte order mark does not hide the header after it.
  EXPECT_TRUE(check_toml_shape("\xEF\xBB\xBF[" + deep + "]\n"));
}

TEST(InputHardening, PresetsRegimensExamplesAndResolvedScenariosAreWithinTheBounds) {
  for (const auto& name : preset_names()) {
    const auto bad = check_toml_shape(preset_text(name));
    EXPECT_FALSE(bad) << name << ":" << bad->line << ": " << bad->message;
    const LoadedScenario s = load_scenario("", {"preset=" + name});
    EXPECT_FALSE(check_toml_shape(s.resolved_toml)) << name;
  }
  for (const auto& name : regimen_names())
    EXPECT_FALSE(check_toml_shape(regimen_text(name))) << name;
  int examples = 0;
  for (const auto& e : fs::directory_iterator(fs::path(MARROW_SOURCE_DIR) / "examples")) {
    if (e.path().extension() != ".toml") continue;
    ++examples;
    EXPECT_NO_THROW(load_scenario(e.path().string(), {})) << e.path();
  }
  EXPECT_GT(examples, 0);
}

// A 768 x 768 raw label volume read from `file` (the preset's lattice).
std::vector<std::string> raw_labels(const std::string& file) {
  return {"geometry.labels_file=\"" + file + "\"", "geometry.labels_dims=[768, 768]",
          "geometry.labels={ marrow = 0, bone = 1, sinusoid = 2, arteriole = 3 }"};
}

TEST(InputHardening, LabelsFileThatIsADirectory) {
  const std::string dir = temp("label_dir");
  fs::create_directory(dir);
  const std::string m = error_of("", raw_labels(dir));
  fs::remove(dir);
  EXPECT_HAS(m, "geometry.labels_file");
  EXPECT_HAS(m, dir + " is a directory, expected a regular file of 589824 bytes");
  // In a file, the message gives the file and line of the key.
  const TempFile f("label_dir.toml", "[geometry]\nlabels_file = \"" +
                                         fs::temp_directory_path().string() +
                                         "\"\nlabels_dataset = \"labels\"\n");
  const std::string n = error_of(f.path());
  EXPECT_HAS(n, f.path() + ":2: geometry.labels_file");
  EXPECT_HAS(n, "is a directory, expected an HDF5 file");
}

TEST(InputHardening, LabelsFileThatIsADevice) {
  for (const std::string dev : {"/dev/null", "/dev/zero"}) {
    if (!fs::exists(dev)) continue;
    const std::string m = error_of("", raw_labels(dev));
    EXPECT_HAS(m, "geometry.labels_file");
    EXPECT_HAS(m, dev + " is a character device");
  }
}

TEST(InputHardening, LabelsFileThatIsAFifoIsRefusedWithoutWaiting) {
  const std::string fifo = temp("label_fifo");
  ASSERT_EQ(::mkfifo(fifo.c_str(), 0600), 0);
  const std::string m = error_of("", raw_labels(fifo));
  auto h5 = raw_labels(fifo);
  h5[1] = "geometry.labels_dataset=labels";
  const std::string n = error_of("", h5);
  const std::string o = error_of(fifo);  // as the scenario file itself
  fs::remove(fifo);
  EXPECT_HAS(m, "geometry.labels_file");
  EXPECT_HAS(m, fifo + " is a FIFO");
  EXPECT_HAS(n, fifo + " is a FIFO");
  EXPECT_HAS(o, fifo + ": the scenario file is a FIFO");
}

TEST(InputHardening, LabelsFileMissingOrOfTheWrongSize) {
  const std::string missing = temp("no_such_labels.raw");
  const std::string m = error_of("", raw_labels(missing));
  EXPECT_HAS(m, "geometry.labels_file");
  EXPECT_HAS(m, missing + " does not exist");
  const TempFile small("small.raw", std::string(100, '\0'));
  EXPECT_HAS(error_of("", raw_labels(small.path())),
             small.path() + " holds 100 bytes, labels_dims needs exactly 589824");
}

TEST(InputHardening, LabelsFileThatCannotBeRead) {
  if (::geteuid() == 0) GTEST_SKIP() << "permissions do not apply to root";
  const TempFile f("locked.raw", std::string(768 * 768, '\0'));
  fs::permissions(f.path(), fs::perms::none);
  const std::string m = error_of("", raw_labels(f.path()));
  EXPECT_HAS(m, "geometry.labels_file");
  EXPECT_HAS(m, f.path() + " cannot be opened");
}

TEST(InputHardening, LabelOutOfRangeIsQuotedAsWritten) {
  const TempFile raw("zeros.raw", std::string(768 * 768, '\0'));
  const TempFile f("label299.toml", "[geometry]\nlabels_file = \"" + raw.path() +
                                        "\"\nlabels_dims = [768, 768]\n"
                                        "labels = { marrow = 299, bone = 1, sinusoid = 2, "
                                        "arteriole = 3 }\n");
  const std::string m = error_of(f.path());
  EXPECT_HAS(m, f.path() + ":4: geometry.labels.marrow");
  EXPECT_HAS(m, "got 299");
  EXPECT_HAS(m, "[0, 255]");
  EXPECT_EQ(m.find("got 255"), std::string::npos) << m;
  auto set = raw_labels(raw.path());
  set.push_back("geometry.labels.bone=2.5");
  EXPECT_HAS(error_of("", set), "got 2.5");
  set.back() = "geometry.labels.bone=-9223372036854775808";
  EXPECT_HAS(error_of("", set), "got -9223372036854775808");
  // Integral numbers still load (resolved scenarios stored them as 0.0, 1.0, ...).
  set.pop_back();
  set.back() = "geometry.labels={ marrow = 0.0, bone = 1.0, sinusoid = 2, arteriole = 3 }";
  EXPECT_NO_THROW(load_scenario("", set));
}

const std::string kDeadEnd =
    "types.Renewer={ lineage = \"x\", division_per_day = 1.0, self_renewal = 1.0, "
    "asymmetric = 0.0, differentiation = 0.0 }";

TEST(LineageWarnings, DefaultPresetsAndExamplesGiveNone) {
  for (const auto& name : preset_names()) {
    const LoadedScenario s = load_scenario("", {"preset=" + name});
    EXPECT_TRUE(s.warnings.empty()) << name << ": " << s.warnings.front();
  }
  for (const auto& e : fs::directory_iterator(fs::path(MARROW_SOURCE_DIR) / "examples")) {
    if (e.path().extension() != ".toml") continue;
    const LoadedScenario s = load_scenario(e.path().string(), {});
    EXPECT_TRUE(s.warnings.empty()) << e.path() << ": " << s.warnings.front();
  }
}

TEST(LineageWarnings, ATypeWithNoPathToTheBlood) {
  // Renewer only self-renews; Feeder's daughters all become Renewers.
  const LoadedScenario s = load_scenario(
      "", {kDeadEnd,
           "types.Feeder={ lineage = \"x\", division_per_day = 1.0, self_renewal = 0.0, "
           "asymmetric = 0.0, differentiation = 1.0, differentiate_to = { Renewer = 1.0 } }",
           "types.Idle={ lineage = \"x\", division_per_day = 0.0, self_renewal = 0.0, "
           "asymmetric = 0.0, differentiation = 1.0, differentiate_to = { erythroid = 1.0 } }"});
  ASSERT_EQ(s.warnings.size(), 3u) << ::testing::PrintToString(s.warnings);
  std::string all;
  for (const auto& w : s.warnings) all += w + "\n";
  EXPECT_HAS(all, "lineage: type Renewer has no path to the blood (every division self-renews");
  EXPECT_HAS(all,
             "lineage: type Feeder has no path to the blood (no type downstream of it feeds a "
             "compartment)");
  EXPECT_HAS(all, "lineage: type Idle has no path to the blood (it never divides");
}

TEST(LineageWarnings, ABloodPoolNoTypeFeeds) {
  const std::string pool =
      "blood.eosinophils={ lifespan_days = 1.0, lifespan_cv = 1.0, unit_per_l = 1.0e9 }";
  const LoadedScenario s = load_scenario("", {pool});
  ASSERT_EQ(s.warnings.size(), 1u) << ::testing::PrintToString(s.warnings);
  EXPECT_HAS(s.warnings[0], "lineage: blood pool eosinophils is fed by no cell type");
  EXPECT_HAS(s.warnings[0], "no maturation compartment feeds it");
  // A compartment feeds it, but no type differentiates to that compartment.
  const LoadedScenario t = load_scenario(
      "", {pool,
           "maturation.eosinophil={ stages = 2, transit_days = 1.0, amplification = 1.0, "
           "feeds = { eosinophils = 1.0 } }"});
  ASSERT_EQ(t.warnings.size(), 1u) << ::testing::PrintToString(t.warnings);
  EXPECT_HAS(t.warnings[0], "no type differentiates to eosinophil, which feeds it");
  // Once a type does, the pool is fed.
  const LoadedScenario u = load_scenario(
      "", {pool,
           "maturation.eosinophil={ stages = 2, transit_days = 1.0, amplification = 1.0, "
           "feeds = { eosinophils = 1.0 } }",
           "types.GMP.differentiate_to={ MyP = 0.9, eosinophil = 0.1 }"});
  EXPECT_TRUE(u.warnings.empty()) << ::testing::PrintToString(u.warnings);
}

}  // namespace
}  // namespace marrow
