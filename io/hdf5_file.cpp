#include "io/hdf5_file.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>

#include "core/comm.hpp"
#ifdef MARROW_MPI
#include <mpi.h>
#endif

namespace marrow::h5 {
namespace {

// Whether an object's file is shared by the ranks of a distributed run (create_file).
bool shared(hid_t obj) {
#ifdef MARROW_MPI
  const hid_t file = H5Iget_file_id(obj);
  if (file < 0) return false;
  const hid_t fapl = H5Fget_access_plist(file);
  const bool mpio = fapl >= 0 && H5Pget_driver(fapl) == H5FD_MPIO;
  if (fapl >= 0) H5Pclose(fapl);
  H5Fclose(file);
  return mpio;
#else
  (void)obj;
  return false;
#endif
}

// The transfer properties of a write: collective on a shared file.
hid_t transfer(bool together) {
#ifdef MARROW_MPI
  static const hid_t collective = [] {
    const hid_t p = H5Pcreate(H5P_DATASET_XFER);
    H5Pset_dxpl_mpio(p, H5FD_MPIO_COLLECTIVE);
    return p;
  }();
  if (together) return collective;
#endif
  (void)together;
  return H5P_DEFAULT;
}

// HDF5 prints its error stack by default; marrow reports errors itself.
struct Silence {
  Silence() { H5Eset_auto2(H5E_DEFAULT, nullptr, nullptr); }
};

// The operating system's reason behind a failed call, when it is one that explains a failed
// write (HDF5 keeps errno from the system call that failed).
std::string os_reason() {
  switch (errno) {
    case ENOSPC:
    case EDQUOT:
    case EFBIG:
    case EIO:
    case EROFS:
    case EACCES:
    case EPERM:
      return std::string(": ") + std::strerror(errno);
    default:
      return "";
  }
}

hid_t check(hid_t id, const std::string& what) {
  static const Silence silence;
  if (id < 0) throw Error(what + os_reason());
  return id;
}

void check_status(herr_t s, const std::string& what) {
  if (s < 0) throw Error(what + os_reason());
}

}  // namespace

Handle::Handle(hid_t id) : id_(id) {}

Handle& Handle::operator=(Handle&& o) noexcept {
  if (this != &o) {
    reset();
    id_ = o.id_;
    o.id_ = H5I_INVALID_HID;
  }
  return *this;
}

void Handle::reset() {
  if (id_ < 0) return;
  switch (H5Iget_type(id_)) {
    case H5I_FILE:
      H5Fclose(id_);
      break;
    case H5I_GROUP:
      H5Gclose(id_);
      break;
    case H5I_DATASET:
      H5Dclose(id_);
      break;
    case H5I_DATASPACE:
      H5Sclose(id_);
      break;
    case H5I_DATATYPE:
      H5Tclose(id_);
      break;
    case H5I_ATTR:
      H5Aclose(id_);
      break;
    case H5I_GENPROP_LST:
      H5Pclose(id_);
      break;
    default:
      break;
  }
  id_ = H5I_INVALID_HID;
}

template <>
hid_t native_type<double>() {
  return H5T_NATIVE_DOUBLE;
}
template <>
hid_t native_type<float>() {
  return H5T_NATIVE_FLOAT;
}
template <>
hid_t native_type<int64_t>() {
  return H5T_NATIVE_INT64;
}
template <>
hid_t native_type<int32_t>() {
  return H5T_NATIVE_INT32;
}
template <>
hid_t native_type<uint32_t>() {
  return H5T_NATIVE_UINT32;
}
template <>
hid_t native_type<uint16_t>() {
  return H5T_NATIVE_UINT16;
}
template <>
hid_t native_type<uint8_t>() {
  return H5T_NATIVE_UINT8;
}

Handle create_file(const std::string& path, bool shared) {
#ifdef MARROW_MPI
  if (shared && comm::size() > 1) {
    Handle fapl(check(H5Pcreate(H5P_FILE_ACCESS), "file access properties"));
    check_status(H5Pset_fapl_mpio(fapl, MPI_COMM_WORLD, MPI_INFO_NULL), "MPI-IO file access");
    // Metadata read and written by all ranks together: the same file whatever the ranks.
    check_status(H5Pset_all_coll_metadata_ops(fapl, true), "collective metadata");
    check_status(H5Pset_coll_metadata_write(fapl, true), "collective metadata");
    return Handle(check(H5Fcreate(path.c_str(), H5F_ACC_TRUNC, H5P_DEFAULT, fapl),
                        "cannot create HDF5 file " + path));
  }
#endif
  (void)shared;
  return Handle(check(H5Fcreate(path.c_str(), H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT),
                      "cannot create HDF5 file " + path));
}

void close_file(Handle& file, const std::string& path) {
  check(0, "");
  // The handle gives up the id whatever H5Fclose returns: a failed close is not retried.
  const hid_t id = file.release();
  if (id < 0) return;
  errno = 0;
  const bool flushed = H5Fflush(id, H5F_SCOPE_GLOBAL) >= 0;
  const int flush_errno = errno;
  const bool closed = H5Fclose(id) >= 0;
  if (flush_errno != 0) errno = flush_errno;
  if (!flushed || !closed)
    throw Error(fmt::format("cannot write {}: {}", path,
                            errno != 0 ? std::strerror(errno) : "the HDF5 library failed"));
}

Handle open_file(const std::string& path) {
  check(0, "");
  std::error_code ec;
  const auto st = std::filesystem::status(path, ec);
  if (!std::filesystem::exists(st))
    throw Error(path + ": no such file" +
                (ec && ec != std::errc::no_such_file_or_directory ? " (" + ec.message() + ")"
                                                                  : std::string()));
  if (std::filesystem::is_directory(st)) throw Error(path + " is a directory, not an HDF5 file");
  if (!std::filesystem::is_regular_file(st))
    throw Error(path + " is not a regular file, not an HDF5 file");
  if (H5Fis_hdf5(path.c_str()) <= 0) throw Error(path + ": not an HDF5 file");
  return Handle(check(H5Fopen(path.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT), "cannot open " + path));
}

bool exists(hid_t loc, const std::string& path) {
  check(0, "");
  size_t pos = 0;
  while (true) {
    pos = path.find('/', pos + 1);
    const std::string prefix = path.substr(0, pos);
    if (H5Lexists(loc, prefix.c_str(), H5P_DEFAULT) <= 0) return false;
    if (pos == std::string::npos) return true;
  }
}

Handle open_group(hid_t loc, const std::string& path) {
  return Handle(check(H5Gopen2(loc, path.c_str(), H5P_DEFAULT), "no group " + path));
}

Handle open_dataset(hid_t loc, const std::string& path) {
  return Handle(check(H5Dopen2(loc, path.c_str(), H5P_DEFAULT), "no dataset " + path));
}

Handle ensure_group(hid_t loc, const std::string& path) {
  size_t pos = 0;
  while (pos != std::string::npos) {
    pos = path.find('/', pos + 1);
    const std::string prefix = path.substr(0, pos);
    if (prefix.empty() || prefix == "/") continue;
    if (H5Lexists(loc, prefix.c_str(), H5P_DEFAULT) <= 0)
      Handle(check(H5Gcreate2(loc, prefix.c_str(), H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT),
                   "cannot create group " + prefix));
  }
  return open_group(loc, path);
}

std::vector<std::string> children(hid_t group) {
  H5G_info_t info;
  check_status(H5Gget_info(group, &info), "cannot list group");
  std::vector<std::string> names;
  for (hsize_t i = 0; i < info.nlinks; ++i) {
    const ssize_t n =
        H5Lget_name_by_idx(group, ".", H5_INDEX_NAME, H5_ITER_INC, i, nullptr, 0, H5P_DEFAULT);
    std::string name(static_cast<size_t>(std::max<ssize_t>(n, 0)), '\0');
    H5Lget_name_by_idx(group, ".", H5_INDEX_NAME, H5_ITER_INC, i, name.data(), name.size() + 1,
                       H5P_DEFAULT);
    names.push_back(name);
  }
  return names;
}

template <class T>
Handle create_dataset(hid_t loc, const std::string& path, const std::vector<hsize_t>& dims) {
  hsize_t total = 1;
  for (const hsize_t d : dims) total *= d;
  const auto slash = path.rfind('/');
  if (slash != std::string::npos && slash > 0) ensure_group(loc, path.substr(0, slash));
  Handle space(
      check(H5Screate_simple(static_cast<int>(dims.size()), dims.data(), nullptr), "dataspace"));
  Handle plist(check(H5Pcreate(H5P_DATASET_CREATE), "plist"));
  if (total > 0) {
    // Chunks of at most ~1 MiB: shrink the slowest dimensions first.
    std::vector<hsize_t> chunk = dims;
    for (size_t i = 0; i < chunk.size(); ++i) {
      hsize_t bytes = sizeof(T);
      for (const hsize_t c : chunk) bytes *= c;
      if (bytes <= (1u << 20)) break;
      chunk[i] = std::max<hsize_t>(1, chunk[i] / std::max<hsize_t>(1, bytes / (1u << 20)));
    }
    check_status(H5Pset_chunk(plist, static_cast<int>(chunk.size()), chunk.data()), "chunk");
    check_status(H5Pset_shuffle(plist), "shuffle");
    check_status(H5Pset_deflate(plist, 4), "deflate");
  }
  return Handle(
      check(H5Dcreate2(loc, path.c_str(), native_type<T>(), space, H5P_DEFAULT, plist, H5P_DEFAULT),
            "cannot create dataset " + path));
}

template <class T>
void write_part(hid_t dataset, const std::vector<hsize_t>& offset,
                const std::vector<hsize_t>& count, std::span<const T> data) {
  errno = 0;
  hsize_t total = 1;
  for (const hsize_t c : count) total *= c;
  if (total != data.size()) throw Error("dataset part: shape does not match the data");
  const bool together = shared(dataset);
  if (total == 0 && !together) return;
  Handle file_space(check(H5Dget_space(dataset), "dataspace"));
  const hsize_t one = 1;
  Handle memory(check(total == 0
                          ? H5Screate_simple(1, &one, nullptr)
                          : H5Screate_simple(static_cast<int>(count.size()), count.data(), nullptr),
                      "dataspace"));
  if (total == 0) {
    // This rank's part of a collective write is empty.
    check_status(H5Sselect_none(file_space), "dataset part");
    check_status(H5Sselect_none(memory), "dataset part");
  } else {
    check_status(H5Sselect_hyperslab(file_space, H5S_SELECT_SET, offset.data(), nullptr,
                                     count.data(), nullptr),
                 "dataset part");
  }
  const T none{};
  check_status(H5Dwrite(dataset, native_type<T>(), memory, file_space, transfer(together),
                        total == 0 ? &none : data.data()),
               "cannot write dataset part");
}

template <class T>
void write(hid_t loc, const std::string& path, std::span<const T> data, std::vector<hsize_t> dims) {
  errno = 0;
  if (dims.empty()) dims = {static_cast<hsize_t>(data.size())};
  hsize_t total = 1;
  for (const hsize_t d : dims) total *= d;
  if (total != data.size()) throw Error("dataset " + path + ": shape does not match the data");
  Handle ds = create_dataset<T>(loc, path, dims);
  if (total == 0) return;
  if (shared(ds)) {
    // Rank 0's data; the other ranks write nothing, together with it.
    const std::vector<hsize_t> zero(dims.size(), 0);
    write_part<T>(ds, zero, comm::root() ? dims : zero, comm::root() ? data : std::span<const T>());
    return;
  }
  check_status(H5Dwrite(ds, native_type<T>(), H5S_ALL, H5S_ALL, H5P_DEFAULT, data.data()),
               "cannot write dataset " + path);
}

void link(hid_t loc, const std::string& target, const std::string& path) {
  const auto slash = path.rfind('/');
  if (slash != std::string::npos && slash > 0) ensure_group(loc, path.substr(0, slash));
  check_status(H5Lcreate_hard(loc, target.c_str(), loc, path.c_str(), H5P_DEFAULT, H5P_DEFAULT),
               "cannot link " + path);
}

template <class T>
std::vector<T> read(hid_t loc, const std::string& path, std::vector<hsize_t>* dims_out) {
  if (!exists(loc, path)) throw Error("no dataset " + path);
  Handle ds(check(H5Dopen2(loc, path.c_str(), H5P_DEFAULT), "cannot open dataset " + path));
  Handle space(check(H5Dget_space(ds), "dataspace of " + path));
  const int rank = H5Sget_simple_extent_ndims(space);
  if (rank < 0 || rank > 8) throw Error("dataset " + path + " has an unexpected shape");
  std::vector<hsize_t> dims(static_cast<size_t>(rank));
  H5Sget_simple_extent_dims(space, dims.data(), nullptr);
  hsize_t total = 1;
  for (const hsize_t d : dims) total *= d;
  if (total > (hsize_t{1} << 34)) throw Error("dataset " + path + " is implausibly large");
  // An extent needs no data behind it (unwritten elements read as the fill value), so a small
  // file could make this allocate any amount: refuse more elements than the stored bytes give
  // at deflate's best ratio (~1032:1). marrow writes every element it declares.
  Handle type(check(H5Dget_type(ds), "type of " + path));
  if (static_cast<double>(total) * static_cast<double>(H5Tget_size(type)) >
      1100.0 * static_cast<double>(H5Dget_storage_size(ds)))
    throw Error("dataset " + path + " declares more data than the file holds");
  std::vector<T> out(static_cast<size_t>(total));
  if (total > 0)
    check_status(H5Dread(ds, native_type<T>(), H5S_ALL, H5S_ALL, H5P_DEFAULT, out.data()),
                 "cannot read dataset " + path);
  if (dims_out) *dims_out = dims;
  return out;
}

#define MARROW_H5_INSTANTIATE(T)                                                               \
  template void write<T>(hid_t, const std::string&, std::span<const T>, std::vector<hsize_t>); \
  template Handle create_dataset<T>(hid_t, const std::string&, const std::vector<hsize_t>&);   \
  template void write_part<T>(hid_t, const std::vector<hsize_t>&, const std::vector<hsize_t>&, \
                              std::span<const T>);                                             \
  template std::vector<T> read<T>(hid_t, const std::string&, std::vector<hsize_t>*);
MARROW_H5_INSTANTIATE(double)
MARROW_H5_INSTANTIATE(float)
MARROW_H5_INSTANTIATE(int64_t)
MARROW_H5_INSTANTIATE(int32_t)
MARROW_H5_INSTANTIATE(uint32_t)
MARROW_H5_INSTANTIATE(uint16_t)
MARROW_H5_INSTANTIATE(uint8_t)
#undef MARROW_H5_INSTANTIATE

namespace {

void write_scalar_attr(hid_t obj, const std::string& name, hid_t type, const void* value) {
  if (H5Aexists(obj, name.c_str()) > 0) H5Adelete(obj, name.c_str());
  Handle space(check(H5Screate(H5S_SCALAR), "scalar space"));
  Handle a(check(H5Acreate2(obj, name.c_str(), type, space, H5P_DEFAULT, H5P_DEFAULT),
                 "cannot create attribute " + name));
  check_status(H5Awrite(a, type, value), "cannot write attribute " + name);
}

Handle string_type() {
  Handle t(check(H5Tcopy(H5T_C_S1), "string type"));
  H5Tset_size(t, H5T_VARIABLE);
  H5Tset_cset(t, H5T_CSET_UTF8);
  return t;
}

Handle open_attr(hid_t obj, const std::string& name) {
  if (H5Aexists(obj, name.c_str()) <= 0) throw Error("no attribute " + name);
  return Handle(check(H5Aopen(obj, name.c_str(), H5P_DEFAULT), "cannot open attribute " + name));
}

}  // namespace

void set_attr(hid_t obj, const std::string& name, const std::string& value) {
  const Handle t = string_type();
  const char* p = value.c_str();
  write_scalar_attr(obj, name, t, &p);
}

void set_attr(hid_t obj, const std::string& name, double value) {
  write_scalar_attr(obj, name, H5T_NATIVE_DOUBLE, &value);
}

void set_attr(hid_t obj, const std::string& name, int64_t value) {
  write_scalar_attr(obj, name, H5T_NATIVE_INT64, &value);
}

void set_attr(hid_t obj, const std::string& name, const std::vector<std::string>& values) {
  if (H5Aexists(obj, name.c_str()) > 0) H5Adelete(obj, name.c_str());
  const Handle t = string_type();
  const hsize_t n = values.size();
  Handle space(check(H5Screate_simple(1, &n, nullptr), "space"));
  Handle a(check(H5Acreate2(obj, name.c_str(), t, space, H5P_DEFAULT, H5P_DEFAULT),
                 "cannot create attribute " + name));
  std::vector<const char*> p;
  for (const auto& v : values) p.push_back(v.c_str());
  check_status(H5Awrite(a, t, p.data()), "cannot write attribute " + name);
}

void set_attr(hid_t obj, const std::string& name, const std::vector<double>& values) {
  if (H5Aexists(obj, name.c_str()) > 0) H5Adelete(obj, name.c_str());
  const hsize_t n = values.size();
  Handle space(check(H5Screate_simple(1, &n, nullptr), "space"));
  Handle a(check(H5Acreate2(obj, name.c_str(), H5T_NATIVE_DOUBLE, space, H5P_DEFAULT, H5P_DEFAULT),
                 "cannot create attribute " + name));
  check_status(H5Awrite(a, H5T_NATIVE_DOUBLE, values.data()), "cannot write attribute " + name);
}

bool has_attr(hid_t obj, const std::string& name) {
  check(0, "");
  return H5Aexists(obj, name.c_str()) > 0;
}

std::string attr_string(hid_t obj, const std::string& name) {
  const Handle a = open_attr(obj, name);
  Handle ft(check(H5Aget_type(a), "type"));
  if (H5Tget_class(ft) != H5T_STRING) throw Error("attribute " + name + " is not a string");
  Handle space(check(H5Aget_space(a), "space"));
  if (H5Sget_simple_extent_npoints(space) != 1) throw Error("attribute " + name + " is not scalar");
  if (H5Tis_variable_str(ft) > 0) {
    const Handle t = string_type();
    char* p = nullptr;
    check_status(H5Aread(a, t, &p), "cannot read attribute " + name);
    std::string s = p ? p : "";
    H5free_memory(p);
    return s;
  }
  const size_t n = H5Tget_size(ft);
  std::string s(n, '\0');
  Handle t(check(H5Tcopy(H5T_C_S1), "type"));
  H5Tset_size(t, n);
  check_status(H5Aread(a, t, s.data()), "cannot read attribute " + name);
  return s.substr(0, s.find('\0'));
}

std::vector<std::string> attr_strings(hid_t obj, const std::string& name) {
  const Handle a = open_attr(obj, name);
  Handle ft(check(H5Aget_type(a), "type"));
  if (H5Tget_class(ft) != H5T_STRING || H5Tis_variable_str(ft) <= 0)
    throw Error("attribute " + name + " is not a list of strings");
  Handle space(check(H5Aget_space(a), "space"));
  const hssize_t n = H5Sget_simple_extent_npoints(space);
  std::vector<char*> p(static_cast<size_t>(std::max<hssize_t>(n, 0)), nullptr);
  const Handle t = string_type();
  check_status(H5Aread(a, t, p.data()), "cannot read attribute " + name);
  std::vector<std::string> out;
  for (char* s : p) {
    out.emplace_back(s ? s : "");
    H5free_memory(s);
  }
  return out;
}

double attr_double(hid_t obj, const std::string& name) {
  const Handle a = open_attr(obj, name);
  Handle space(check(H5Aget_space(a), "space"));
  if (H5Sget_simple_extent_npoints(space) != 1) throw Error("attribute " + name + " is not scalar");
  double v = 0;
  check_status(H5Aread(a, H5T_NATIVE_DOUBLE, &v), "cannot read attribute " + name);
  return v;
}

int64_t attr_int(hid_t obj, const std::string& name) {
  const Handle a = open_attr(obj, name);
  Handle space(check(H5Aget_space(a), "space"));
  if (H5Sget_simple_extent_npoints(space) != 1) throw Error("attribute " + name + " is not scalar");
  int64_t v = 0;
  check_status(H5Aread(a, H5T_NATIVE_INT64, &v), "cannot read attribute " + name);
  return v;
}

}  // namespace marrow::h5
