// Snapshot writing: RunWriter::snapshot of the human preset (640 x 640 sites, about 1.1e5
// agents) to a temporary HDF5 file.
#include <benchmark/benchmark.h>
#include <unistd.h>

#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>

#include "bench/micro/common.hpp"
#include "io/run_writer.hpp"

namespace marrow::micro {
namespace {

// Arg: lattice edge of the human section. Each iteration opens a new file (untimed), writes one
// snapshot (agents, site kinds, niches, fields, compartments; flushed) and discards the file
// (untimed: the writer removes its temporary file when the run is not finished). Items: agents;
// bytes: the data handed to HDF5 (31 bytes an agent, two bytes a site for site kinds and niches,
// four a site per field, the compartment state), before its shuffle + deflate compression;
// file_MB: the compressed file on disk.
void BM_RunWriterSnapshot(benchmark::State& state) {
  SimulationCase& c = human_simulation(static_cast<int>(state.range(0)));
  const std::string path = (std::filesystem::temp_directory_path() /
                            ("marrow_micro_" + std::to_string(getpid()) + ".h5"))
                               .string();
  const Simulation& sim = *c.sim;
  const int64_t payload =
      static_cast<int64_t>(c.agents.size()) * (2 * 3 * 4 + 1 + 4 + 1 + 2 + 3 * 1 + 4) +
      sim.lattice().sites() * (2 + 4 * static_cast<int64_t>(sim.fields().size())) +
      static_cast<int64_t>(c.blood.size() * sizeof(double));
  int64_t file_bytes = 0;
  for (auto _ : state) {
    state.PauseTiming();
    auto writer = std::make_unique<RunWriter>(path, *c.sim, c.loaded, Provenance{});
    state.ResumeTiming();
    writer->snapshot(*c.sim);
    state.PauseTiming();
    file_bytes += static_cast<int64_t>(std::filesystem::file_size(writer->temporary()));
    writer.reset();
    state.ResumeTiming();
  }
  state.SetItemsProcessed(state.iterations() * static_cast<int64_t>(c.agents.size()));
  state.SetBytesProcessed(state.iterations() * payload);
  state.counters["agents"] = static_cast<double>(c.agents.size());
  state.counters["file_MB"] =
      static_cast<double>(file_bytes) / static_cast<double>(state.iterations()) / 1e6;
}
BENCHMARK(BM_RunWriterSnapshot)->ArgName("edge")->Arg(640)->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace marrow::micro
