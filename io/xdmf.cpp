#include "io/xdmf.hpp"

#include <fcntl.h>
#include <fmt/format.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <stdexcept>

#include "agents/agent_columns.hpp"

namespace marrow {

namespace {

struct NumberType {
  const char* name;
  int precision;
};

// The element type of an agents/ dataset as io/run_writer.cpp writes it (agents/agent_columns.hpp),
// in the spelling both the Xdmf3 library and the legacy XDMF reader know. Xdmf3 maps an unknown
// spelling/precision pair such as "UInt" with Precision 2 to another type ("UInt" with 4), so
// uint16 must be "UShort".
NumberType agent_number_type(const std::string& field) {
  const auto [name, precision] = agent_dataset_type(field);
  if (!name) throw std::invalid_argument("XDMF: no agent dataset " + field);
  return {name, precision};
}

// Text for an XML attribute value or character data.
std::string xml_escape(const std::string& s) {
  std::string out;
  out.reserve(s.size());
  for (const char c : s) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      default:
        out += c;
    }
  }
  return out;
}

std::string describe(const std::string& h5_name, const XdmfLayout& l,
                     const std::vector<XdmfSnapshot>& snapshots) {
  std::string o;
  o += "<?xml version=\"1.0\" ?>\n<!DOCTYPE Xdmf SYSTEM \"Xdmf.dtd\" []>\n";
  o += "<Xdmf Version=\"3.0\">\n <Domain>\n";
  o += "  <Grid Name=\"marrow\" GridType=\"Collection\" CollectionType=\"Temporal\">\n";
  const std::string cells = fmt::format("{} {} {}", l.nz, l.ny, l.nx);
  const std::string points = fmt::format("{} {} {}", l.nz + 1, l.ny + 1, l.nx + 1);
  const bool positions =
      std::find(l.agent_fields.begin(), l.agent_fields.end(), "position") != l.agent_fields.end();
  for (const XdmfSnapshot& s : snapshots) {
    const std::string base = xml_escape(fmt::format("{}:/snapshots/{}", h5_name, s.name));
    // One spatial collection per snapshot carries the time, for the lattice and the agents alike.
    o += fmt::format(
        "   <Grid Name=\"snapshot {}\" GridType=\"Collection\" CollectionType=\"Spatial\">\n",
        xml_escape(s.name));
    o += fmt::format("    <Time Value=\"{}\"/>\n", s.time_days);
    // The lattice: one cell per site, site (x, y, z) centred on integer coordinates.
    o += "    <Grid Name=\"lattice\" GridType=\"Uniform\">\n";
    o += fmt::format("     <Topology TopologyType=\"3DCoRectMesh\" Dimensions=\"{}\"/>\n", points);
    o += "     <Geometry GeometryType=\"ORIGIN_DXDYDZ\">\n"
         "      <DataItem Dimensions=\"3\" NumberType=\"Float\" Precision=\"8\" Format=\"XML\">"
         "-0.5 -0.5 -0.5</DataItem>\n"
         "      <DataItem Dimensions=\"3\" NumberType=\"Float\" Precision=\"8\" Format=\"XML\">"
         "1 1 1</DataItem>\n"
         "     </Geometry>\n";
    auto cell_attr = [&](const std::string& name, const std::string& path, NumberType t) {
      o += fmt::format("     <Attribute Name=\"{}\" AttributeType=\"Scalar\" Center=\"Cell\">\n",
                       xml_escape(name));
      o += fmt::format(
          "      <DataItem Dimensions=\"{}\" NumberType=\"{}\" Precision=\"{}\" "
          "Format=\"HDF\">{}/{}</DataItem>\n",
          cells, t.name, t.precision, base, xml_escape(path));
      o += "     </Attribute>\n";
    };
    cell_attr("site_kind", "lattice/site_kind", {"UChar", 1});
    cell_attr("niche", "lattice/niche", {"UChar", 1});
    for (const auto& f : l.fields) cell_attr(f, "fields/" + f, {"Float", 4});
    o += "    </Grid>\n";
    if (s.agents > 0) {
      // Agents as points carrying their fields. Polyvertex without connectivity: the legacy
      // reader makes one vertex per point; Xdmf3 gives the points alone (no cells).
      auto item = [&](const std::string& field, const std::string& dims) {
        const NumberType t = agent_number_type(field);
        return fmt::format(
            "      <DataItem Dimensions=\"{}\" NumberType=\"{}\" Precision=\"{}\" "
            "Format=\"HDF\">{}/agents/{}</DataItem>\n",
            dims, t.name, t.precision, base, xml_escape(field));
      };
      const std::string n = std::to_string(s.agents);
      o += "    <Grid Name=\"agents\" GridType=\"Uniform\">\n";
      o += fmt::format(
          "     <Topology TopologyType=\"Polyvertex\" NumberOfElements=\"{}\" "
          "NodesPerElement=\"1\"/>\n",
          n);
      if (positions) {
        // Interleaved x, y, z: the geometry every XDMF reader reads.
        o += "     <Geometry GeometryType=\"XYZ\">\n" + item("position", n + " 3");
      } else {
        // Three 1-D datasets. The legacy reader joins them; ParaView's Xdmf3 readers read the
        // joined array as an untyped one and leave the agents without points.
        o +=
            "     <Geometry GeometryType=\"X_Y_Z\">\n" + item("x", n) + item("y", n) + item("z", n);
      }
      o += "     </Geometry>\n";
      for (const auto& f : l.agent_fields) {
        if (f == "x" || f == "y" || f == "z" || f == "position") continue;
        o += fmt::format("     <Attribute Name=\"{}\" AttributeType=\"Scalar\" Center=\"Node\">\n",
                         xml_escape(f));
        o += item(f, n);
        o += "     </Attribute>\n";
      }
      o += "    </Grid>\n";
    }
    o += "   </Grid>\n";
  }
  o += "  </Grid>\n </Domain>\n</Xdmf>\n";
  return o;
}

[[noreturn]] void fail(const std::string& what, int err) {
  throw std::runtime_error(fmt::format("{}: {}", what, std::strerror(err)));
}

// Replaces `path` by `text` atomically: a temporary of this process next to it, written, synced,
// closed and renamed over it. Any failure removes the temporary and throws.
void replace_file(const std::string& path, const std::string& text) {
  const std::string tmp = fmt::format("{}.{}.tmp", path, static_cast<long>(::getpid()));
  const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
  if (fd < 0) {
    const int err = errno;
    fail(fmt::format("cannot write {} (creating {})", path, tmp), err);
  }
  bool open = true;
  auto abandon = [&](const std::string& what) {
    const int err = errno;
    if (open) ::close(fd);
    ::unlink(tmp.c_str());
    fail(what, err);
  };
  // Messages are made up front: errno must still be the failed call's when abandon reads it.
  const std::string cannot_write = fmt::format("cannot write {}", path);
  const std::string cannot_rename = fmt::format("cannot rename {} to {}", tmp, path);
  const char* p = text.data();
  size_t left = text.size();
  while (left > 0) {
    const ssize_t n = ::write(fd, p, left);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      if (n == 0) errno = ENOSPC;
      abandon(cannot_write);
    }
    p += n;
    left -= static_cast<size_t>(n);
  }
  // Delayed allocation can report a full disk only here.
  if (::fsync(fd) != 0) abandon(cannot_write);
  open = false;
  if (::close(fd) != 0) abandon(cannot_write);
  if (::rename(tmp.c_str(), path.c_str()) != 0) abandon(cannot_rename);
  // Make the rename itself durable; a folder that cannot be synced keeps the new file anyway.
  std::filesystem::path dir = std::filesystem::path(path).parent_path();
  if (dir.empty()) dir = ".";
  const int dfd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dfd >= 0) {
    ::fsync(dfd);
    ::close(dfd);
  }
}

}  // namespace

void write_xdmf(const std::string& xmf_path, const std::string& h5_name, const XdmfLayout& l,
                const std::vector<XdmfSnapshot>& snapshots) {
  replace_file(xmf_path, describe(h5_name, l, snapshots));
}

}  // namespace marrow
