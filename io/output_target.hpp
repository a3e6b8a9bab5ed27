#pragma once
// The one discipline of every file marrow writes (a run, a sweep's summary, a restart's
// continuation, their sidecars): the target is claimed before any work starts, the data goes
// to a temporary file next to it that only this process ever opened, and only a file whose
// every close and flush succeeded is made durable (fsync) and renamed into place.
//
// Claiming checks what a careful user would: the target may not exist as anything but a
// regular file, may not be one of the run's inputs, and may not collide with its own sidecar;
// an existing regular file is replaced only when it is a marrow output (or, for a sidecar, an
// XDMF file). An advisory lock (flock on TARGET.lock) holds the name for the whole run, so a
// second run into the same target is refused at once instead of interleaving with the first.
#include <stdexcept>
#include <string>
#include <vector>

namespace marrow {

// The target cannot be claimed (bad input: the CLI exits 2).
class TargetError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// Writing, flushing, syncing or renaming failed (the CLI exits 1); the message names the file
// and the operating system's reason.
class WriteError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

enum class TargetKind {
  kMarrowOutput,  // replaces an existing file only when it is a marrow output (HDF5)
  kText,          // replaces an existing regular file (a CSV index or summary)
};

class OutputTarget {
 public:
  OutputTarget() = default;
  // Claims `path`: throws TargetError when it exists and is not a regular file, is one of
  // `inputs` (or their sidecar is), when its sidecar name (`with_sidecar`: PATH with the
  // extension .xmf) is the target itself, an input or not a regular file, when the folder
  // does not exist, or when another process holds the name.
  OutputTarget(std::string path, const std::vector<std::string>& inputs, bool with_sidecar,
               TargetKind kind = TargetKind::kMarrowOutput);
  ~OutputTarget();
  OutputTarget(OutputTarget&& o) noexcept;
  OutputTarget& operator=(OutputTarget&& o) noexcept;
  OutputTarget(const OutputTarget&) = delete;
  OutputTarget& operator=(const OutputTarget&) = delete;

  const std::string& path() const { return path_; }
  // Creates the temporary file exclusively (PATH.<pid>.partial) and returns its name; the
  // caller writes it and closes it before commit(). Throws TargetError with the OS reason.
  const std::string& create_temporary();
  const std::string& temporary() const { return temp_; }
  // Makes the closed temporary durable and renames it into place. A complete result replaces
  // the target; an incomplete one (`replace_existing` false) never replaces an existing file
  // and goes beside it (STEM.interrupted.h5, then STEM.interrupted.2.h5, ...). Returns the
  // final name. Throws WriteError.
  std::string commit(bool replace_existing);
  // The sidecar name of a final file: the extension replaced by .xmf.
  static std::string sidecar_of(const std::string& path);

 private:
  void release() noexcept;
  void remove_stale_temporaries() const;

  std::string path_, temp_, lock_path_;
  int lock_fd_ = -1;
  bool committed_ = false;
};

// Writes `text` to `path` through a temporary next to it (checked, synced, renamed). Throws
// WriteError naming the file and the reason.
void write_text_atomically(const std::string& path, const std::string& text);

// fsync of a file by name, then of its folder (so a rename into it is durable).
void sync_file_and_folder(const std::string& path);

}  // namespace marrow
