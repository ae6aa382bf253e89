// SPDX-License-Identifier: BSD-3-Clause
// Owning, cache-aligned, zero-initialised buffers drawn from a caller-chosen memory resource.
//
// Every DSP processor sizes its buffers once, in its constructor, from a
// std::pmr::memory_resource the caller passes in: the offline tools use the
// default (heap) resource, the dataplane passes one backed by hugepage memory on
// the worker's NUMA socket (rte_malloc_socket). process() never allocates.
#pragma once

#include <cstddef>
#include <cstring>
#include <memory_resource>
#include <new>
#include <span>
#include <type_traits>
#include <utility>

namespace dsp {

// 64 bytes: one cache line, and enough for AVX-512 loads and FFTW's SIMD alignment.
inline constexpr std::size_t buffer_alignment = 64;

template <class T>
class buffer {
  static_assert(std::is_trivially_copyable_v<T> && std::is_trivially_destructible_v<T>,
                "dsp::buffer holds plain sample/state data only");

 public:
  buffer() noexcept = default;
  buffer(std::size_t n, std::pmr::memory_resource* mr = std::pmr::get_default_resource())
      : mr_(mr), size_(n) {
    if (n == 0) return;
    data_ = static_cast<T*>(mr_->allocate(n * sizeof(T), buffer_alignment));
    std::memset(static_cast<void*>(data_), 0, n * sizeof(T));
  }
  buffer(const buffer&) = delete;
  buffer& operator=(const buffer&) = delete;
  buffer(buffer&& o) noexcept { swap(o); }
  buffer& operator=(buffer&& o) noexcept {
    if (this != &o) {
      release();
      swap(o);
    }
    return *this;
  }
  ~buffer() { release(); }

  T* data() noexcept { return data_; }
  const T* data() const noexcept { return data_; }
  std::size_t size() const noexcept { return size_; }
  T& operator[](std::size_t i) noexcept { return data_[i]; }
  const T& operator[](std::size_t i) const noexcept { return data_[i]; }
  std::span<T> span() noexcept { return {data_, size_}; }
  std::span<const T> span() const noexcept { return {data_, size_}; }
  T* begin() noexcept { return data_; }
  T* end() noexcept { return data_ + size_; }
  const T* begin() const noexcept { return data_; }
  const T* end() const noexcept { return data_ + size_; }
  void fill_zero() noexcept {
    if (size_ != 0) std::memset(static_cast<void*>(data_), 0, size_ * sizeof(T));
  }

 private:
  void release() noexcept {
    if (data_ != nullptr) mr_->deallocate(data_, size_ * sizeof(T), buffer_alignment);
    data_ = nullptr;
    size_ = 0;
  }
  void swap(buffer& o) noexcept {
    std::swap(mr_, o.mr_);
    std::swap(data_, o.data_);
    std::swap(size_, o.size_);
  }

  std::pmr::memory_resource* mr_ = std::pmr::get_default_resource();
  T* data_ = nullptr;
  std::size_t size_ = 0;
};

// Owning pointer to an object built in memory from a memory_resource (so that a
// processor object itself, not only its buffers, can live in hugepage memory).
// It may point at a base class: destruction goes through the type recorded by make_in.
struct resource_deleter {
  std::pmr::memory_resource* mr = nullptr;
  void* base = nullptr;  // the most-derived object, as allocated
  std::size_t bytes = 0;
  std::size_t align = alignof(std::max_align_t);
  void (*destroy)(void*) noexcept = nullptr;
  void operator()() const noexcept {
    if (base == nullptr) return;
    destroy(base);
    mr->deallocate(base, bytes, align);
  }
};

template <class T>
class resource_ptr {
 public:
  resource_ptr() noexcept = default;
  resource_ptr(T* p, resource_deleter d) noexcept : p_(p), d_(d) {}
  template <class U>
    requires std::is_convertible_v<U*, T*>
  resource_ptr(resource_ptr<U>&& o) noexcept : d_(o.deleter()) {
    p_ = o.release();
  }
  resource_ptr(resource_ptr&& o) noexcept : p_(std::exchange(o.p_, nullptr)), d_(o.d_) {}
  resource_ptr& operator=(resource_ptr&& o) noexcept {
    if (this != &o) {
      reset();
      p_ = std::exchange(o.p_, nullptr);
      d_ = o.d_;
    }
    return *this;
  }
  resource_ptr(const resource_ptr&) = delete;
  resource_ptr& operator=(const resource_ptr&) = delete;
  ~resource_ptr() { reset(); }

  void reset() noexcept {
    if (p_ != nullptr) d_();
    p_ = nullptr;
  }
  T* get() const noexcept { return p_; }
  T* operator->() const noexcept { return p_; }
  T& operator*() const noexcept { return *p_; }
  explicit operator bool() const noexcept { return p_ != nullptr; }

  // Gives up ownership without destroying (the deleter() still knows how to).
  T* release() noexcept { return std::exchange(p_, nullptr); }
  resource_deleter deleter() const noexcept { return d_; }

 private:
  T* p_ = nullptr;
  resource_deleter d_{};
};

// Builds a T in memory from mr (if the constructor throws, the memory goes back).
template <class T, class... Args>
resource_ptr<T> make_in(std::pmr::memory_resource* mr, Args&&... args) {
  void* mem = mr->allocate(sizeof(T), alignof(T));
  T* obj = nullptr;
  try {
    obj = new (mem) T(std::forward<Args>(args)...);
  } catch (...) {
    mr->deallocate(mem, sizeof(T), alignof(T));
    throw;
  }
  return resource_ptr<T>(obj, resource_deleter{mr, mem, sizeof(T), alignof(T),
                                               [](void* p) noexcept { static_cast<T*>(p)->~T(); }});
}

}  // namespace dsp
