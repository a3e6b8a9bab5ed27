#include "core/comm.hpp"

#include <algorithm>
#include <cstdlib>
#include <cstring>

#ifdef MARROW_MPI
#include <mpi.h>
#endif

namespace marrow::comm {

#ifdef MARROW_MPI

namespace {
int g_rank = 0, g_size = 1;
Traffic g_traffic;

// Counts one collective call of this rank, timed from construction to destruction.
struct Counted {
  Counted(int64_t sent, int64_t received) : start(MPI_Wtime()) {
    ++g_traffic.calls;
    g_traffic.sent += sent;
    g_traffic.received += received;
  }
  ~Counted() { g_traffic.seconds += MPI_Wtime() - start; }
  double start;
};

}  // namespace

Traffic traffic() { return g_traffic; }

void init(int* argc, char*** argv) {
  int ready = 0;
  MPI_Initialized(&ready);
  if (!ready) MPI_Init(argc, argv);
  MPI_Comm_rank(MPI_COMM_WORLD, &g_rank);
  MPI_Comm_size(MPI_COMM_WORLD, &g_size);
}

void finalize() {
  int done = 0;
  MPI_Finalized(&done);
  if (!done) MPI_Finalize();
}

void abort(int code) {
  MPI_Abort(MPI_COMM_WORLD, code);
  std::_Exit(code);
}

int rank() { return g_rank; }
int size() { return g_size; }

void sum(std::span<int64_t> values) {
  if (g_size == 1 || values.empty()) return;
  const int64_t bytes = static_cast<int64_t>(values.size() * sizeof(int64_t));
  const Counted counted(bytes, bytes);
  MPI_Allreduce(MPI_IN_PLACE, values.data(), static_cast<int>(values.size()), MPI_INT64_T, MPI_SUM,
                MPI_COMM_WORLD);
}

int max(int v) {
  if (g_size == 1) return v;
  const Counted counted(sizeof(int), sizeof(int));
  MPI_Allreduce(MPI_IN_PLACE, &v, 1, MPI_INT, MPI_MAX, MPI_COMM_WORLD);
  return v;
}

double max(double v) {
  if (g_size == 1) return v;
  const Counted counted(sizeof(double), sizeof(double));
  MPI_Allreduce(MPI_IN_PLACE, &v, 1, MPI_DOUBLE, MPI_MAX, MPI_COMM_WORLD);
  return v;
}

std::vector<unsigned char> gather_bytes(std::span<const unsigned char> mine, bool all) {
  std::vector<unsigned char> out;
  gather_into(mine, all, [&](size_t bytes) {
    out.resize(bytes);
    return out.data();
  });
  return out;
}

void gather_into(std::span<const unsigned char> mine, bool all,
                 const std::function<unsigned char*(size_t)>& into) {
  // Counts first (as 64-bit: a rank's share can pass 2 GiB), then the bytes in pieces that MPI's
  // int counts can carry.
  int64_t n = static_cast<int64_t>(mine.size());
  const double start = MPI_Wtime();
  std::vector<int64_t> counts(static_cast<size_t>(g_size));
  MPI_Allgather(&n, 1, MPI_INT64_T, counts.data(), 1, MPI_INT64_T, MPI_COMM_WORLD);
  int64_t total = 0;
  std::vector<int64_t> offset(static_cast<size_t>(g_size));
  for (int r = 0; r < g_size; ++r) {
    offset[static_cast<size_t>(r)] = total;
    total += counts[static_cast<size_t>(r)];
  }
  const bool receives = all || g_rank == 0;
  ++g_traffic.calls;
  g_traffic.sent += n;
  g_traffic.received += receives ? total - n : 0;
  unsigned char* out = receives ? into(static_cast<size_t>(total)) : nullptr;
  constexpr int64_t kPiece = int64_t{1} << 30;
  int64_t largest = 0;
  for (const int64_t c : counts) largest = std::max(largest, c);
  std::vector<int> piece(static_cast<size_t>(g_size)), displ(static_cast<size_t>(g_size));
  if (total < kPiece) {
    // All in one call, straight into place.
    for (int r = 0; r < g_size; ++r) {
      piece[static_cast<size_t>(r)] = static_cast<int>(counts[static_cast<size_t>(r)]);
      displ[static_cast<size_t>(r)] = static_cast<int>(offset[static_cast<size_t>(r)]);
    }
    if (all)
      MPI_Allgatherv(mine.data(), static_cast<int>(n), MPI_BYTE, out, piece.data(), displ.data(),
                     MPI_BYTE, MPI_COMM_WORLD);
    else
      MPI_Gatherv(mine.data(), static_cast<int>(n), MPI_BYTE, out, piece.data(), displ.data(),
                  MPI_BYTE, 0, MPI_COMM_WORLD);
    g_traffic.seconds += MPI_Wtime() - start;
    return;
  }
  std::vector<unsigned char> buffer;
  for (int64_t done = 0; done < largest; done += kPiece) {
    int64_t at = 0;
    for (int r = 0; r < g_size; ++r) {
      const int64_t c = std::clamp<int64_t>(counts[static_cast<size_t>(r)] - done, 0, kPiece);
      piece[static_cast<size_t>(r)] = static_cast<int>(c);
      displ[static_cast<size_t>(r)] = static_cast<int>(at);
      at += c;
    }
    buffer.resize(receives ? static_cast<size_t>(at) : 0);
    const int64_t mine_now = std::clamp<int64_t>(n - done, 0, kPiece);
    const unsigned char* send = mine.data() + std::min(done, n);
    if (all)
      MPI_Allgatherv(send, static_cast<int>(mine_now), MPI_BYTE, buffer.data(), piece.data(),
                     displ.data(), MPI_BYTE, MPI_COMM_WORLD);
    else
      MPI_Gatherv(send, static_cast<int>(mine_now), MPI_BYTE, buffer.data(), piece.data(),
                  displ.data(), MPI_BYTE, 0, MPI_COMM_WORLD);
    if (receives)
      for (int r = 0; r < g_size; ++r)
        std::memcpy(out + offset[static_cast<size_t>(r)] + done,
                    buffer.data() + displ[static_cast<size_t>(r)],
                    static_cast<size_t>(piece[static_cast<size_t>(r)]));
  }
  g_traffic.seconds += MPI_Wtime() - start;
}

#else

Traffic traffic() { return {}; }
void init(int*, char***) {}
void finalize() {}
void abort(int code) { std::_Exit(code); }
int rank() { return 0; }
int size() { return 1; }
void sum(std::span<int64_t>) {}
int max(int v) { return v; }
double max(double v) { return v; }
std::vector<unsigned char> gather_bytes(std::span<const unsigned char> mine, bool) {
  return {mine.begin(), mine.end()};
}
void gather_into(std::span<const unsigned char> mine, bool,
                 const std::function<unsigned char*(size_t)>& into) {
  if (!mine.empty()) std::memcpy(into(mine.size()), mine.data(), mine.size());
}

#endif

}  // namespace marrow::comm
