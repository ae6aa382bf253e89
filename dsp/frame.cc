// SPDX-License-Identifier: BSD-3-Clause
// Frame size classes and frame_storage placement in caller memory.
#include "dsp/frame.h"

#include <cstring>
#include <new>

namespace dsp {

std::optional<frame_size_class> size_class_for_samples(std::size_t samples) noexcept {
  if (samples == 0) return std::nullopt;
  for (const frame_size_class c : {frame_size_class::ms10, frame_size_class::ms20, frame_size_class::ms30,
                                   frame_size_class::ms40, frame_size_class::ms60}) {
    if (samples <= capacity_samples(c)) return c;
  }
  return std::nullopt;
}

std::optional<frame_size_class> size_class_for_ms(std::uint32_t ms) noexcept {
  if (ms < 10 || ms > 60) return std::nullopt;
  return size_class_for_samples(static_cast<std::size_t>(ms) * static_cast<std::size_t>(sample_rate_hz) /
                                1000);
}

frame_storage* frame_storage::create_in(std::span<std::byte> memory, std::size_t capacity_samples) noexcept {
  if (capacity_samples == 0 || capacity_samples > static_cast<std::size_t>(max_frame_samples)) return nullptr;
  if (memory.size() < bytes_for(capacity_samples)) return nullptr;
  if (reinterpret_cast<std::uintptr_t>(memory.data()) % buffer_alignment != 0) return nullptr;
  std::memset(memory.data() + header_bytes, 0, capacity_samples * sizeof(std::int16_t));
  return new (memory.data()) frame_storage(static_cast<std::uint32_t>(capacity_samples));
}

// The samples start one cache line after the header (bytes_for); the block was
// checked to be 64-byte aligned, so the int16 pointer is aligned too.
std::int16_t* frame_storage::data() noexcept {
  return reinterpret_cast<std::int16_t*>(reinterpret_cast<std::byte*>(this) + header_bytes);
}
const std::int16_t* frame_storage::data() const noexcept {
  return reinterpret_cast<const std::int16_t*>(reinterpret_cast<const std::byte*>(this) + header_bytes);
}

}  // namespace dsp
