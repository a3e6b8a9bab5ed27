#include "io/xdmf.hpp"

#include <fmt/format.h>

#include <cstdio>
#include <fstream>
#include <stdexcept>

namespace marrow {

void write_xdmf(const std::string& xmf_path, const std::string& h5_name, const XdmfLayout& l,
                const std::vector<XdmfSnapshot>& snapshots) {
  const std::string tmp = xmf_path + ".partial";
  {
    std::ofstream o(tmp);
    o << "<?xml version=\"1.0\" ?>\n<!DOCTYPE Xdmf SYSTEM \"Xdmf.dtd\" []>\n"
      << "<Xdmf Version=\"3.0\">\n <Domain>\n"
      << "  <Grid Name=\"marrow\" GridType=\"Collection\" CollectionType=\"Temporal\">\n";
    const std::string cells = fmt::format("{} {} {}", l.nz, l.ny, l.nx);
    const std::string points = fmt::format("{} {} {}", l.nz + 1, l.ny + 1, l.nx + 1);
    for (const XdmfSnapshot& s : snapshots) {
      const std::string base = fmt::format("{}:/snapshots/{}", h5_name, s.name);
      o << fmt::format(
               "   <Grid Name=\"snapshot {}\" GridType=\"Collection\" "
               "CollectionType=\"Spatial\">\n",
               s.name)
        << fmt::format("    <Time Value=\"{}\"/>\n", s.time_days);
      // The lattice: one cell per site, site (x, y, z) centred on integer coordinates.
      o << "    <Grid Name=\"lattice\" GridType=\"Uniform\">\n"
        << fmt::format("     <Topology TopologyType=\"3DCoRectMesh\" Dimensions=\"{}\"/>\n", points)
        << "     <Geometry GeometryType=\"ORIGIN_DXDYDZ\">\n"
        << "      <DataItem Dimensions=\"3\" NumberType=\"Float\" Precision=\"8\" Format=\"XML\">"
           "-0.5 -0.5 -0.5</DataItem>\n"
        << "      <DataItem Dimensions=\"3\" NumberType=\"Float\" Precision=\"8\" Format=\"XML\">"
           "1 1 1</DataItem>\n"
        << "     </Geometry>\n";
      auto cell_attr = [&](const std::string& name, const std::string& path, const char* type,
                           int precision) {
        o << fmt::format("     <Attribute Name=\"{}\" AttributeType=\"Scalar\" Center=\"Cell\">\n",
                         name)
          << fmt::format(
                 "      <DataItem Dimensions=\"{}\" NumberType=\"{}\" Precision=\"{}\" "
                 "Format=\"HDF\">{}/{}</DataItem>\n",
                 cells, type, precision, base, path)
          << "     </Attribute>\n";
      };
      cell_attr("site_kind", "lattice/site_kind", "UChar", 1);
      cell_attr("niche", "lattice/niche", "UChar", 1);
      for (const auto& f : l.fields) cell_attr(f, "fields/" + f, "Float", 4);
      o << "    </Grid>\n";
      if (s.agents > 0) {
        // Agents as points carrying their fields.
        auto item = [&](const std::string& field) {
          return fmt::format(
              "      <DataItem Dimensions=\"{}\" NumberType=\"Int\" Precision=\"4\" "
              "Format=\"HDF\">{}/agents/{}</DataItem>\n",
              s.agents, base, field);
        };
        o << "    <Grid Name=\"agents\" GridType=\"Uniform\">\n"
          << fmt::format(
                 "     <Topology TopologyType=\"Polyvertex\" NumberOfElements=\"{}\" "
                 "NodesPerElement=\"1\"/>\n",
                 s.agents)
          << "     <Geometry GeometryType=\"X_Y_Z\">\n"
          << item("x") << item("y") << item("z") << "     </Geometry>\n";
        for (const auto& f : l.agent_fields) {
          if (f == "x" || f == "y" || f == "z") continue;
          const bool wide = f == "clone" || f == "next_event_step";
          o << fmt::format(
                   "     <Attribute Name=\"{}\" AttributeType=\"Scalar\" Center=\"Node\">\n", f)
            << fmt::format(
                   "      <DataItem Dimensions=\"{}\" NumberType=\"{}\" Precision=\"{}\" "
                   "Format=\"HDF\">{}/agents/{}</DataItem>\n",
                   s.agents,
                   f == "clone"       ? "UInt"
                   : wide             ? "Int"
                   : f == "divisions" ? "UInt"
                                      : "UChar",
                   wide               ? 4
                   : f == "divisions" ? 2
                                      : 1,
                   base, f)
            << "     </Attribute>\n";
        }
        o << "    </Grid>\n";
      }
      o << "   </Grid>\n";
    }
    o << "  </Grid>\n </Domain>\n</Xdmf>\n";
    if (!o) throw std::runtime_error("cannot write " + tmp);
  }
  if (std::rename(tmp.c_str(), xmf_path.c_str()) != 0)
    throw std::runtime_error("cannot rename " + tmp + " to " + xmf_path);
}

}  // namespace marrow
