// SPDX-License-Identifier: BSD-3-Clause
// Audio frames: a non-owning view, and frame storage that lives in caller-given (hugepage) memory.
//
// The dataplane decodes each RTP payload into a frame that sits in hugepage
// memory owned by the session (DESIGN.md §2, §3), so frames never own heap
// memory: frame_view points at samples somewhere, fixed_frame<N> and
// frame_storage hold their samples inline and are placement-constructed in
// memory the caller provides (dsp::make_in with a memory_resource, an
// rte_mempool element, a stack array). Frames are 10..60 ms at 8 kHz, i.e.
// 80..480 samples (dsp/processor.h); size classes round a ptime up to the
// capacities a pool would stock.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>

#include "dsp/memory.h"
#include "dsp/processor.h"

namespace dsp {

// One frame of mono int16 audio: which samples, at what rate, and the RTP
// timestamp of its first sample (RFC 3550 §5.1; in sample-clock units, so it
// advances by samples.size() per frame at 8 kHz for G.711, RFC 3551 §4.5.14).
struct frame_view {
  std::span<std::int16_t> samples;
  std::uint32_t sample_rate_hz = static_cast<std::uint32_t>(dsp::sample_rate_hz);
  std::uint32_t rtp_timestamp = 0;

  std::size_t size() const noexcept { return samples.size(); }
  // Length in ms (rounded down): 160 samples at 8 kHz -> 20.
  std::uint32_t duration_ms() const noexcept {
    return sample_rate_hz == 0 ? 0 : static_cast<std::uint32_t>(samples.size() * 1000 / sample_rate_hz);
  }
  // The timestamp the next frame of a continuous stream carries (wraps mod 2^32, RFC 3550 §5.1).
  std::uint32_t next_rtp_timestamp() const noexcept {
    return rtp_timestamp + static_cast<std::uint32_t>(samples.size());
  }
};

// Capacities a gateway stocks, by packetisation time (ms) at 8 kHz.
enum class frame_size_class : std::uint8_t { ms10, ms20, ms30, ms40, ms60 };

constexpr std::size_t capacity_samples(frame_size_class c) noexcept {
  switch (c) {
    case frame_size_class::ms10:
      return 80;
    case frame_size_class::ms20:
      return 160;
    case frame_size_class::ms30:
      return 240;
    case frame_size_class::ms40:
      return 320;
    case frame_size_class::ms60:
      return 480;
  }
  return 0;
}

// The smallest class holding `samples` (1..480), else nullopt (0 or more than 60 ms).
std::optional<frame_size_class> size_class_for_samples(std::size_t samples) noexcept;
// The same for a ptime in ms at 8 kHz (10..60 -> a class; 50 ms goes to ms60).
std::optional<frame_size_class> size_class_for_ms(std::uint32_t ms) noexcept;

// A frame with room for Capacity samples stored inline; trivially destructible
// and standard-layout so it can be placement-constructed in any suitably
// aligned caller memory (e.g. dsp::make_in<fixed_frame<160>>(hugepage_mr)).
template <std::size_t Capacity>
class alignas(buffer_alignment) fixed_frame {
  static_assert(Capacity > 0 && Capacity <= static_cast<std::size_t>(max_frame_samples));

 public:
  static constexpr std::size_t capacity() noexcept { return Capacity; }

  fixed_frame() noexcept = default;
  fixed_frame(const fixed_frame&) = delete;
  fixed_frame& operator=(const fixed_frame&) = delete;

  std::size_t size() const noexcept { return size_; }
  // Sets the number of valid samples; false (nothing changed) if above capacity.
  bool resize(std::size_t n) noexcept {
    if (n > Capacity) return false;
    size_ = static_cast<std::uint32_t>(n);
    return true;
  }
  std::span<std::int16_t> samples() noexcept { return {samples_, size_}; }
  std::span<const std::int16_t> samples() const noexcept { return {samples_, size_}; }

  std::uint32_t rtp_timestamp() const noexcept { return rtp_timestamp_; }
  void set_rtp_timestamp(std::uint32_t ts) noexcept { rtp_timestamp_ = ts; }
  frame_view view() noexcept {
    return {samples(), static_cast<std::uint32_t>(sample_rate_hz), rtp_timestamp_};
  }

 private:
  std::int16_t samples_[Capacity] = {};
  std::uint32_t size_ = 0;
  std::uint32_t rtp_timestamp_ = 0;
};

// A frame whose capacity is chosen at run time, header and samples in one
// block of caller memory: for pools whose element size is fixed at start.
class frame_storage {
 public:
  // Bytes a frame of `capacity_samples` needs (header padded to a cache line).
  static constexpr std::size_t bytes_for(std::size_t capacity_samples) noexcept {
    return header_bytes + capacity_samples * sizeof(std::int16_t);
  }
  // Builds a frame_storage at memory.data(). nullptr if the block is smaller
  // than bytes_for(capacity_samples), not aligned to buffer_alignment (64), or
  // capacity_samples is 0 or above 480. Never allocates.
  static frame_storage* create_in(std::span<std::byte> memory, std::size_t capacity_samples) noexcept;

  frame_storage(const frame_storage&) = delete;
  frame_storage& operator=(const frame_storage&) = delete;

  std::size_t capacity() const noexcept { return capacity_; }
  std::size_t size() const noexcept { return size_; }
  bool resize(std::size_t n) noexcept {
    if (n > capacity_) return false;
    size_ = static_cast<std::uint32_t>(n);
    return true;
  }
  std::span<std::int16_t> samples() noexcept { return {data(), size_}; }
  std::span<const std::int16_t> samples() const noexcept { return {data(), size_}; }

  std::uint32_t rtp_timestamp() const noexcept { return rtp_timestamp_; }
  void set_rtp_timestamp(std::uint32_t ts) noexcept { rtp_timestamp_ = ts; }
  frame_view view() noexcept {
    return {samples(), static_cast<std::uint32_t>(sample_rate_hz), rtp_timestamp_};
  }

 private:
  static constexpr std::size_t header_bytes = buffer_alignment;

  explicit frame_storage(std::uint32_t capacity) noexcept : capacity_(capacity) {}
  std::int16_t* data() noexcept;
  const std::int16_t* data() const noexcept;

  std::uint32_t capacity_;
  std::uint32_t size_ = 0;
  std::uint32_t rtp_timestamp_ = 0;
};
static_assert(sizeof(frame_storage) <= 64, "frame_storage header must fit its cache line");

}  // namespace dsp
