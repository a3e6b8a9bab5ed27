#pragma once
// Per-site (or per-block) state over the whole padded lattice, of which a process touches only its
// window (core/lattice.hpp). The memory comes zeroed from the operating system (an anonymous
// mapping when large), and elements are not written when the vector is created: a page no one
// writes or reads holds no physical memory. So a process whose loops stay inside its window holds
// that window alone, while every site keeps its global index (no translation in the hot loops).
// Copying, or filling the whole vector, touches every page: code that may run distributed
// copies and fills windows (copy_window, fill_window).
#include <sys/mman.h>

#include <cstddef>
#include <cstdlib>
#include <cstring>
#include <new>
#include <utility>
#include <vector>

namespace marrow {

template <class T>
struct SiteAllocator {
  using value_type = T;
  SiteAllocator() = default;
  template <class U>
  SiteAllocator(const SiteAllocator<U>&) {}

  static constexpr size_t kMapped = size_t{1} << 20;  // bytes from which a mapping is used
  T* allocate(size_t n) {
    const size_t bytes = n * sizeof(T);
    if (bytes >= kMapped) {
      // Not reserved: only the pages written count against the memory (Linux overcommit modes
      // 0 and 1; under mode 2 the whole lattice must fit the commit limit).
      void* p = mmap(nullptr, bytes, PROT_READ | PROT_WRITE,
                     MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
      if (p == MAP_FAILED) throw std::bad_alloc();
      return static_cast<T*>(p);
    }
    constexpr size_t align = alignof(T) < 16 ? 16 : alignof(T);
    const size_t rounded = (bytes + align - 1) / align * align;
    void* p = std::aligned_alloc(align, rounded == 0 ? align : rounded);
    if (p == nullptr) throw std::bad_alloc();
    std::memset(p, 0, rounded);
    return static_cast<T*>(p);
  }
  void deallocate(T* p, size_t n) {
    if (n * sizeof(T) >= kMapped)
      munmap(p, n * sizeof(T));
    else
      std::free(p);
  }
  // Elements made without a value stay as the memory came: zero.
  template <class U>
  void construct(U* p) noexcept {
    ::new (static_cast<void*>(p)) U;
  }
  template <class U, class... Args>
  void construct(U* p, Args&&... args) {
    ::new (static_cast<void*>(p)) U(std::forward<Args>(args)...);
  }
  template <class U>
  bool operator==(const SiteAllocator<U>&) const {
    return true;
  }
};

// Zero everywhere, with no page touched, after SiteVector<T>(n) or resize(n).
template <class T>
using SiteVector = std::vector<T, SiteAllocator<T>>;

// Sets [lo, hi) to v.
template <class T>
void fill_window(SiteVector<T>& a, size_t lo, size_t hi, T v) {
  for (size_t s = lo; s < hi; ++s) a[s] = v;
}
// A vector of from's size holding from's values in [lo, hi) and zero elsewhere.
template <class T>
SiteVector<T> copy_window(const SiteVector<T>& from, size_t lo, size_t hi) {
  SiteVector<T> to(from.size());
  for (size_t s = lo; s < hi; ++s) to[s] = from[s];
  return to;
}

}  // namespace marrow
