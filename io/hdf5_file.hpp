#pragma once
// A thin RAII layer over the HDF5 C API: handles that close themselves, and typed helpers for
// the datasets and attributes marrow writes and reads. Errors become exceptions.
#include <hdf5.h>

#include <cstdint>
#include <span>
#include <stdexcept>
#include <string>
#include <vector>

namespace marrow::h5 {

class Error : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// An owned hid_t, closed with the matching H5*close.
class Handle {
 public:
  Handle() = default;
  explicit Handle(hid_t id);
  Handle(Handle&& o) noexcept : id_(o.id_) { o.id_ = H5I_INVALID_HID; }
  Handle& operator=(Handle&& o) noexcept;
  Handle(const Handle&) = delete;
  Handle& operator=(const Handle&) = delete;
  ~Handle() { reset(); }
  hid_t get() const { return id_; }
  operator hid_t() const { return id_; }
  void reset();
  // Gives up the id without closing it.
  hid_t release() {
    const hid_t id = id_;
    id_ = H5I_INVALID_HID;
    return id;
  }

 private:
  hid_t id_ = H5I_INVALID_HID;
};

template <class T>
hid_t native_type();

// Truncates. A `shared` file is created by every rank of a distributed run together (parallel
// HDF5, a build with MARROW_MPI): every call on it is then collective, in the same order with the
// same arguments on every rank. write() stores rank 0's data; write_part() each rank's part.
Handle create_file(const std::string& path, bool shared = false);
// Flushes and closes a file, throwing Error when either fails (a full disk shows here).
void close_file(Handle& file, const std::string& path);
Handle open_file(const std::string& path);  // read-only; throws Error when not HDF5
Handle open_group(hid_t loc, const std::string& path);
Handle open_dataset(hid_t loc, const std::string& path);
// Opens or creates every group along the path.
Handle ensure_group(hid_t loc, const std::string& path);
bool exists(hid_t loc, const std::string& path);
std::vector<std::string> children(hid_t group);

// A dataset of `dims` (row-major) holding `data`; chunked and deflate-compressed when non-empty.
template <class T>
void write(hid_t loc, const std::string& path, std::span<const T> data,
           std::vector<hsize_t> dims = {});
// An empty dataset of `dims`, chunked and compressed as write() makes them, to be written in
// parts: write_part() writes `count` elements from `offset` (row-major data). On a shared file
// every rank calls write_part() as often as every other, with an empty part when it has none.
template <class T>
Handle create_dataset(hid_t loc, const std::string& path, const std::vector<hsize_t>& dims);
template <class T>
void write_part(hid_t dataset, const std::vector<hsize_t>& offset,
                const std::vector<hsize_t>& count, std::span<const T> data);
void link(hid_t loc, const std::string& target, const std::string& path);  // a hard link

template <class T>
std::vector<T> read(hid_t loc, const std::string& path, std::vector<hsize_t>* dims = nullptr);

void set_attr(hid_t obj, const std::string& name, const std::string& value);
void set_attr(hid_t obj, const std::string& name, double value);
void set_attr(hid_t obj, const std::string& name, int64_t value);
void set_attr(hid_t obj, const std::string& name, const std::vector<std::string>& values);
void set_attr(hid_t obj, const std::string& name, const std::vector<double>& values);
bool has_attr(hid_t obj, const std::string& name);
std::string attr_string(hid_t obj, const std::string& name);
double attr_double(hid_t obj, const std::string& name);
int64_t attr_int(hid_t obj, const std::string& name);
std::vector<std::string> attr_strings(hid_t obj, const std::string& name);

}  // namespace marrow::h5
