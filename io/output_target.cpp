#include "io/output_target.hpp"

#include <fcntl.h>
#include <fmt/format.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>

#include "io/hdf5_file.hpp"

namespace marrow {
namespace fs = std::filesystem;
namespace {

std::string reason(int err) { return std::strerror(err); }

std::string folder_of(const std::string& path) {
  const fs::path parent = fs::path(path).parent_path();
  return parent.empty() ? std::string(".") : parent.string();
}

// What lives under `path`: "" for nothing, else a description of a non-regular file or
// "regular".
std::string kind_at(const std::string& path) {
  struct stat st {};
  if (lstat(path.c_str(), &st) != 0) return "";
  if (S_ISLNK(st.st_mode)) {
    if (stat(path.c_str(), &st) != 0) return "a dangling symbolic link";
  }
  if (S_ISREG(st.st_mode)) return "regular";
  if (S_ISDIR(st.st_mode)) return "a directory";
  if (S_ISFIFO(st.st_mode)) return "a FIFO";
  if (S_ISCHR(st.st_mode) || S_ISBLK(st.st_mode)) return "a device";
  if (S_ISSOCK(st.st_mode)) return "a socket";
  return "not a regular file";
}

bool same_file(const std::string& a, const std::string& b) {
  std::error_code ec;
  return !a.empty() && !b.empty() && fs::equivalent(a, b, ec) && !ec;
}

bool is_marrow_output(const std::string& path) {
  try {
    h5::Handle f = h5::open_file(path);
    // A run's file, or a sweep summary (older summaries carry no schema version).
    return h5::has_attr(f, "schema_version") ||
           (h5::exists(f, "completed") && h5::exists(f, "failed"));
  } catch (const h5::Error&) {
    return false;
  }
}

bool is_xdmf(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::string head(4096, '\0');
  in.read(head.data(), static_cast<std::streamsize>(head.size()));
  head.resize(static_cast<size_t>(in.gcount()));
  return head.find("<Xdmf") != std::string::npos;
}

void sync_path(const std::string& path, bool folder) {
  const int fd = open(path.c_str(), (folder ? O_DIRECTORY : 0) | O_RDONLY | O_CLOEXEC);
  if (fd < 0) throw WriteError(fmt::format("cannot open {} to sync it: {}", path, reason(errno)));
  const int rc = fsync(fd);
  const int err = errno;
  close(fd);
  // Some file systems cannot sync a folder; the data itself is synced.
  if (rc != 0 && !(folder && (err == EINVAL || err == EROFS)))
    throw WriteError(fmt::format("cannot sync {}: {}", path, reason(err)));
}

// Renames `from` to `to` unless `to` exists; false when it does.
bool rename_no_replace(const std::string& from, const std::string& to) {
  if (renameat2(AT_FDCWD, from.c_str(), AT_FDCWD, to.c_str(), RENAME_NOREPLACE) == 0) return true;
  if (errno == EEXIST) return false;
  if (errno != EINVAL && errno != ENOSYS)
    throw WriteError(fmt::format("cannot rename {} to {}: {}", from, to, reason(errno)));
  // No RENAME_NOREPLACE on this file system: a hard link fails on an existing name too.
  if (link(from.c_str(), to.c_str()) != 0) {
    if (errno == EEXIST) return false;
    throw WriteError(fmt::format("cannot rename {} to {}: {}", from, to, reason(errno)));
  }
  unlink(from.c_str());
  return true;
}

}  // namespace

std::string OutputTarget::sidecar_of(const std::string& path) {
  return fs::path(path).replace_extension(".xmf").string();
}

OutputTarget::OutputTarget(std::string path, const std::vector<std::string>& inputs,
                           bool with_sidecar, TargetKind kind)
    : path_(std::move(path)) {
  if (path_.empty()) throw TargetError("the output name is empty");
  const std::string folder = folder_of(path_);
  const std::string folder_kind = kind_at(folder);
  if (folder_kind.empty())
    throw TargetError(fmt::format("{}: the folder {} does not exist", path_, folder));
  if (folder_kind != "a directory")
    throw TargetError(fmt::format("{}: {} is not a folder", path_, folder));
  const std::string kind_now = kind_at(path_);
  if (!kind_now.empty() && kind_now != "regular")
    throw TargetError(
        fmt::format("{} is {}; the output must be a new or regular file", path_, kind_now));
  for (const std::string& in : inputs)
    if (same_file(path_, in))
      throw TargetError(fmt::format("{} is an input of this run; choose another output", path_));
  if (kind_now == "regular") {
    const bool replaceable = kind == TargetKind::kText || is_marrow_output(path_);
    if (!replaceable)
      throw TargetError(fmt::format(
          "{} exists and is not a marrow output; it is not overwritten (remove it or choose "
          "another output)",
          path_));
  }
  if (with_sidecar) {
    const std::string side = sidecar_of(path_);
    if (side == path_ || same_file(side, path_))
      throw TargetError(fmt::format(
          "{}: the output would be overwritten by its own XDMF sidecar; use a name ending in .h5",
          path_));
    const std::string side_kind = kind_at(side);
    if (!side_kind.empty() && side_kind != "regular")
      throw TargetError(fmt::format("the sidecar {} of {} is {}; it must be a new or regular file",
                                    side, path_, side_kind));
    for (const std::string& in : inputs)
      if (same_file(side, in))
        throw TargetError(fmt::format(
            "the sidecar {} of {} is an input of this run; choose another output", side, path_));
    if (side_kind == "regular" && !is_xdmf(side))
      throw TargetError(
          fmt::format("the sidecar {} of {} exists and is not an XDMF file; it is not overwritten",
                      side, path_));
  }
  // The lock: an flock on PATH.lock, taken on the file the name still points at.
  lock_path_ = path_ + ".lock";
  for (int attempt = 0; attempt < 8; ++attempt) {
    const int fd = open(lock_path_.c_str(), O_CREAT | O_RDWR | O_CLOEXEC, 0644);
    if (fd < 0)
      throw TargetError(
          fmt::format("cannot create the lock {} for {}: {}", lock_path_, path_, reason(errno)));
    if (flock(fd, LOCK_EX | LOCK_NB) != 0) {
      const int err = errno;
      char buf[32] = {};
      const ssize_t n = pread(fd, buf, sizeof buf - 1, 0);
      close(fd);
      if (err == EWOULDBLOCK) {
        const std::string pid = n > 0 ? std::string(buf, static_cast<size_t>(n)) : "";
        throw TargetError(fmt::format(
            "{} is being written by another marrow run{}; wait for it or choose another output",
            path_, pid.empty() ? "" : " (process " + pid + ")"));
      }
      throw TargetError(fmt::format("cannot lock {}: {}", lock_path_, reason(err)));
    }
    struct stat held {
    }, named{};
    if (fstat(fd, &held) == 0 && stat(lock_path_.c_str(), &named) == 0 &&
        held.st_ino == named.st_ino && held.st_dev == named.st_dev) {
      lock_fd_ = fd;
      remove_stale_temporaries();
      const std::string pid = std::to_string(getpid());
      if (ftruncate(fd, 0) == 0 && pwrite(fd, pid.data(), pid.size(), 0) < 0) {
        // The pid is only for the message of a second run; the lock holds without it.
      }
      return;
    }
    close(fd);  // the previous holder removed the name between open and flock: try again
  }
  throw TargetError(fmt::format("cannot lock {}: the lock file keeps changing", lock_path_));
}

OutputTarget::~OutputTarget() { release(); }

// PATH.<pid>.partial files of runs that were killed: with the lock held, nobody writes them.
void OutputTarget::remove_stale_temporaries() const {
  const fs::path p(path_);
  const std::string prefix = p.filename().string() + ".";
  std::error_code ec;
  for (fs::directory_iterator it(folder_of(path_), ec), end; !ec && it != end; it.increment(ec)) {
    const std::string name = it->path().filename().string();
    if (name.size() <= prefix.size() + 8 || name.rfind(prefix, 0) != 0 ||
        !name.ends_with(".partial"))
      continue;
    const std::string pid = name.substr(prefix.size(), name.size() - prefix.size() - 8);
    if (pid.empty() || pid.find_first_not_of("0123456789") != std::string::npos) continue;
    std::error_code rm;
    if (it->is_regular_file(rm)) fs::remove(it->path(), rm);
  }
}

OutputTarget::OutputTarget(OutputTarget&& o) noexcept
    : path_(std::move(o.path_)),
      temp_(std::move(o.temp_)),
      lock_path_(std::move(o.lock_path_)),
      lock_fd_(o.lock_fd_),
      committed_(o.committed_) {
  o.lock_fd_ = -1;
  o.temp_.clear();
  o.lock_path_.clear();
}

OutputTarget& OutputTarget::operator=(OutputTarget&& o) noexcept {
  if (this != &o) {
    release();
    path_ = std::move(o.path_);
    temp_ = std::move(o.temp_);
    lock_path_ = std::move(o.lock_path_);
    lock_fd_ = o.lock_fd_;
    committed_ = o.committed_;
    o.lock_fd_ = -1;
    o.temp_.clear();
    o.lock_path_.clear();
  }
  return *this;
}

void OutputTarget::release() noexcept {
  if (!committed_ && !temp_.empty()) unlink(temp_.c_str());
  temp_.clear();
  if (lock_fd_ >= 0) {
    unlink(lock_path_.c_str());  // while still holding it: a waiting run re-opens by name
    close(lock_fd_);
    lock_fd_ = -1;
  }
}

const std::string& OutputTarget::create_temporary() {
  const std::string name = fmt::format("{}.{}.partial", path_, getpid());
  for (int attempt = 0; attempt < 2; ++attempt) {
    const int fd = open(name.c_str(), O_CREAT | O_EXCL | O_WRONLY | O_CLOEXEC, 0644);
    if (fd >= 0) {
      close(fd);
      temp_ = name;
      return temp_;
    }
    // A file of this name was left by a crashed process that had this pid; the lock on the
    // target is ours, so nobody else writes it.
    if (errno == EEXIST && attempt == 0 && lock_fd_ >= 0 && unlink(name.c_str()) == 0) continue;
    break;
  }
  throw TargetError(fmt::format("cannot create {}: {}", name, reason(errno)));
}

std::string OutputTarget::commit(bool replace_existing) {
  if (temp_.empty()) throw WriteError(fmt::format("{}: nothing was written", path_));
  sync_path(temp_, false);
  std::string final_name = path_;
  if (replace_existing) {
    if (std::rename(temp_.c_str(), path_.c_str()) != 0)
      throw WriteError(fmt::format("cannot rename {} to {}: {}", temp_, path_, reason(errno)));
  } else {
    const fs::path p(path_);
    const std::string stem = (p.parent_path() / p.stem()).string();
    const std::string ext = p.extension().string();
    for (int i = 1;; ++i) {
      final_name = i == 1   ? path_
                   : i == 2 ? stem + ".interrupted" + ext
                            : fmt::format("{}.interrupted.{}{}", stem, i - 1, ext);
      if (rename_no_replace(temp_, final_name)) break;
      if (i > 1000) throw WriteError(fmt::format("no free name beside {}", path_));
    }
  }
  committed_ = true;
  temp_.clear();
  sync_path(folder_of(final_name), true);
  release();
  return final_name;
}

void sync_file_and_folder(const std::string& path) {
  sync_path(path, false);
  sync_path(folder_of(path), true);
}

void write_text_atomically(const std::string& path, const std::string& text) {
  const std::string temp = fmt::format("{}.{}.partial", path, getpid());
  int fd = open(temp.c_str(), O_CREAT | O_EXCL | O_WRONLY | O_CLOEXEC, 0644);
  // A name of this process's pid left by a crashed process with the same pid.
  if (fd < 0 && errno == EEXIST && unlink(temp.c_str()) == 0)
    fd = open(temp.c_str(), O_CREAT | O_EXCL | O_WRONLY | O_CLOEXEC, 0644);
  if (fd < 0) throw WriteError(fmt::format("cannot create {}: {}", temp, reason(errno)));
  size_t done = 0;
  while (done < text.size()) {
    const ssize_t n = write(fd, text.data() + done, text.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      const int err = n < 0 ? errno : ENOSPC;
      close(fd);
      unlink(temp.c_str());
      throw WriteError(fmt::format("cannot write {}: {}", path, reason(err)));
    }
    done += static_cast<size_t>(n);
  }
  const int synced = fsync(fd);
  int err = errno;
  const int closed = close(fd);
  if (closed != 0 && synced == 0) err = errno;
  if (synced != 0 || closed != 0) {
    unlink(temp.c_str());
    throw WriteError(fmt::format("cannot write {}: {}", path, reason(err)));
  }
  if (std::rename(temp.c_str(), path.c_str()) != 0) {
    const int err = errno;
    unlink(temp.c_str());
    throw WriteError(fmt::format("cannot rename {} to {}: {}", temp, path, reason(err)));
  }
  sync_path(folder_of(path), true);
}

}  // namespace marrow
