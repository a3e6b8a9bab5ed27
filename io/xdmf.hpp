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
  std::vector<std::string> agent_fields;  // one 1-D dataset each under agents/
};

// Writes `xmf_path` describing `h5_name` (a path relative to the sidecar's folder).
void write_xdmf(const std::string& xmf_path, const std::string& h5_name, const XdmfLayout& layout,
                const std::vector<XdmfSnapshot>& snapshots);

}  // namespace marrow
