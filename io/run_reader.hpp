#pragma once
// Reads marrow output files: the summary that `marrow inspect` prints, and the state a restart
// continues from.
#include <string>
#include <utility>
#include <vector>

#include "agents/agent_store.hpp"
#include "model/simulation.hpp"

namespace marrow {

// A file that is not marrow output, or is damaged.
class OutputFileError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// "PATH: MESSAGE", unless the message already starts with the path.
inline std::string with_path(const std::string& path, const std::string& message) {
  return message.rfind(path, 0) == 0 ? message : path + ": " + message;
}

struct RunSummary {
  std::vector<std::pair<std::string, std::string>> info;  // provenance and parameters
  std::vector<std::pair<std::string, double>> endpoints;
  std::vector<std::pair<std::string, double>> final_population;
  std::vector<std::pair<std::string, double>> final_blood;
  double final_day = 0;
  int snapshots = 0;
  bool complete = false;
};

RunSummary read_summary(const std::string& path);

// The summary as the JSON that `marrow inspect --json` prints (NaN endpoints as null).
std::string summary_json(const RunSummary& s);

}  // namespace marrow
