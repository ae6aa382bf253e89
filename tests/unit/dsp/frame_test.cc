// SPDX-License-Identifier: BSD-3-Clause
// Frame view, size classes and frames placed in caller memory.
#include "dsp/frame.h"

#include <gtest/gtest.h>

#include <cstddef>
#include <cstring>
#include <memory_resource>
#include <type_traits>
#include <vector>

namespace {

TEST(frame_view, duration_and_next_timestamp) {
  std::vector<std::int16_t> s(160);
  const dsp::frame_view v{s, 8000, 0xFFFFFFF0u};
  EXPECT_EQ(v.size(), 160u);
  EXPECT_EQ(v.duration_ms(), 20u);
  // RFC 3550 §5.1: the timestamp wraps modulo 2^32.
  EXPECT_EQ(v.next_rtp_timestamp(), 0x00000090u);
  const dsp::frame_view empty{};
  EXPECT_EQ(empty.duration_ms(), 0u);
  EXPECT_EQ(empty.sample_rate_hz, 8000u);
}

TEST(frame_size_class, samples_and_ms_map_to_smallest_holding_class) {
  using c = dsp::frame_size_class;
  EXPECT_FALSE(dsp::size_class_for_samples(0).has_value());
  EXPECT_EQ(dsp::size_class_for_samples(1), c::ms10);
  EXPECT_EQ(dsp::size_class_for_samples(80), c::ms10);
  EXPECT_EQ(dsp::size_class_for_samples(81), c::ms20);
  EXPECT_EQ(dsp::size_class_for_samples(160), c::ms20);
  EXPECT_EQ(dsp::size_class_for_samples(240), c::ms30);
  EXPECT_EQ(dsp::size_class_for_samples(320), c::ms40);
  EXPECT_EQ(dsp::size_class_for_samples(400), c::ms60);
  EXPECT_EQ(dsp::size_class_for_samples(480), c::ms60);
  EXPECT_FALSE(dsp::size_class_for_samples(481).has_value());
  EXPECT_FALSE(dsp::size_class_for_ms(5).has_value());
  EXPECT_EQ(dsp::size_class_for_ms(10), c::ms10);
  EXPECT_EQ(dsp::size_class_for_ms(20), c::ms20);
  EXPECT_EQ(dsp::size_class_for_ms(50), c::ms60);
  EXPECT_EQ(dsp::size_class_for_ms(60), c::ms60);
  EXPECT_FALSE(dsp::size_class_for_ms(70).has_value());
  for (std::size_t n = 1; n <= 480; ++n)
    EXPECT_GE(dsp::capacity_samples(*dsp::size_class_for_samples(n)), n) << n;
}

TEST(fixed_frame, lives_in_memory_resource_and_resizes_within_capacity) {
  static_assert(std::is_standard_layout_v<dsp::fixed_frame<160>>);
  static_assert(std::is_trivially_destructible_v<dsp::fixed_frame<480>>);
  static_assert(alignof(dsp::fixed_frame<80>) == dsp::buffer_alignment);
  std::pmr::monotonic_buffer_resource arena(8192);
  auto f = dsp::make_in<dsp::fixed_frame<160>>(&arena);
  EXPECT_EQ(reinterpret_cast<std::uintptr_t>(f.get()) % dsp::buffer_alignment, 0u);
  EXPECT_EQ(f->size(), 0u);
  EXPECT_TRUE(f->resize(160));
  EXPECT_FALSE(f->resize(161));
  EXPECT_EQ(f->size(), 160u);
  for (auto s : f->samples()) EXPECT_EQ(s, 0);
  f->samples()[159] = -7;
  f->set_rtp_timestamp(1000);
  EXPECT_EQ(f->rtp_timestamp(), 1000u);
  const auto v = f->view();
  EXPECT_EQ(v.samples.data(), f->samples().data());
  EXPECT_EQ(v.samples[159], -7);
  EXPECT_EQ(v.rtp_timestamp, 1000u);
  EXPECT_EQ(v.next_rtp_timestamp(), 1160u);
}

TEST(frame_storage, placement_in_caller_block_checks_size_alignment_and_capacity) {
  alignas(64) static std::byte block[dsp::frame_storage::bytes_for(480) + 64];
  EXPECT_EQ(dsp::frame_storage::bytes_for(160), 64u + 320u);
  EXPECT_EQ(dsp::frame_storage::create_in({block, dsp::frame_storage::bytes_for(160) - 1}, 160), nullptr);
  EXPECT_EQ(dsp::frame_storage::create_in({block + 2, sizeof(block) - 2}, 160), nullptr);  // misaligned
  EXPECT_EQ(dsp::frame_storage::create_in({block, sizeof(block)}, 0), nullptr);
  EXPECT_EQ(dsp::frame_storage::create_in({block, sizeof(block)}, 481), nullptr);
  std::memset(block, 0xAB, sizeof(block));
  dsp::frame_storage* f = dsp::frame_storage::create_in({block, dsp::frame_storage::bytes_for(240)}, 240);
  ASSERT_NE(f, nullptr);
  EXPECT_EQ(static_cast<void*>(f), static_cast<void*>(block));
  EXPECT_EQ(f->capacity(), 240u);
  EXPECT_TRUE(f->resize(240));
  EXPECT_FALSE(f->resize(241));
  // Samples start one cache line in, zeroed, and end inside the block.
  EXPECT_EQ(reinterpret_cast<std::byte*>(f->samples().data()), block + 64);
  for (auto s : f->samples()) EXPECT_EQ(s, 0);
  f->samples()[239] = 99;
  EXPECT_EQ(f->view().samples[239], 99);
  EXPECT_EQ(block[dsp::frame_storage::bytes_for(240)], std::byte{0xAB});  // untouched past the end
}

}  // namespace
