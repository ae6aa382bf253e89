// SPDX-License-Identifier: BSD-3-Clause
// A buffer whose last byte sits right before an inaccessible (PROT_NONE) page, so over-reads crash.
#pragma once

#include <sys/mman.h>
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <span>
#include <stdexcept>

namespace test {

template <class T>
class guarded_buffer {
 public:
  // n elements ending exactly at the guard page (n == 0: data() is the guard page itself).
  explicit guarded_buffer(std::size_t n) : n_(n) {
    page_ = static_cast<std::size_t>(sysconf(_SC_PAGESIZE));
    const std::size_t bytes = n * sizeof(T);
    data_pages_ = (bytes + page_ - 1) / page_;
    total_ = (data_pages_ + 1) * page_;
    void* m = mmap(nullptr, total_, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (m == MAP_FAILED) throw std::runtime_error("mmap failed");
    base_ = static_cast<std::byte*>(m);
    if (mprotect(base_ + data_pages_ * page_, page_, PROT_NONE) != 0)
      throw std::runtime_error("mprotect failed");
    data_ = base_ + data_pages_ * page_ - bytes;
  }
  ~guarded_buffer() { munmap(base_, total_); }
  guarded_buffer(const guarded_buffer&) = delete;
  guarded_buffer& operator=(const guarded_buffer&) = delete;

  T* data() { return reinterpret_cast<T*>(data_); }
  std::span<T> span() { return {data(), n_}; }

 private:
  std::size_t n_;
  std::size_t page_ = 0;
  std::size_t data_pages_ = 0;
  std::size_t total_ = 0;
  std::byte* base_ = nullptr;
  std::byte* data_ = nullptr;
};

}  // namespace test
