#pragma once
// An XDMF sidecar: an XML description of the snapshots in an HDF5 output, so ParaView (or
// VisIt) opens the lattice, its fields and the agents without a converter.
#include <string>
#include <vector>

namespace marrow {

struct XdmfSnapshot {
  std::string name;  // under /snapshots
  double time_days = 0;
  long long agents = 0;
};

struct XdmfLayout {
  int nx = 1, ny = 1, nz = 1;
  std::vector<std::string> fields;
  // One 1-D dataset each under agents/, described as a point attribute. "position", when listed,
  // is instead an (agents x 3) dataset of x, y, z per agent and becomes the points' geometry.
  std::vector<std::string> agent_fields;
};

// Writes `xmf_path` describing `h5_name` (a path relative to the sidecar's folder). The file is
// written to a temporary next to it, synced and renamed over it, so a reader sees the old or the
// new sidecar and never a torn one. Throws std::runtime_error naming the file and the reason
// when it cannot be written; the temporary is then removed and an existing sidecar left as it was.
void write_xdmf(const std::string& xmf_path, const std::string& h5_name, const XdmfLayout& layout,
                const std::vector<XdmfSnapshot>& snapshots);

}  // namespace marrow
