// SPDX-License-Identifier: BSD-3-Clause
// Proof that every G.711 codec and audio kernel call allocates 0 bytes (jemalloc thread counter).
#include <gtest/gtest.h>

#include <array>
#include <cstdint>
#include <vector>

#include "dsp/frame.h"
#include "dsp/g711.h"
#include "dsp/kernels.h"
#include "tests/common/alloc_probe.h"
#include "tests/common/hwy_targets.h"

namespace {

namespace k = dsp::kernels;
namespace g = dsp::g711;

// Every hot-path call once, on buffers made beforehand; returns a checksum so
// the calls cannot be optimised away.
std::int64_t run_everything(std::vector<std::int16_t>& pcm, std::vector<std::int16_t>& pcm2,
                            std::vector<std::uint8_t>& codes, std::vector<float>& fa,
                            std::vector<float>& fb) {
  std::int64_t sum = 0;
  g::ulaw_encode(pcm, codes);
  g::ulaw_decode(codes, pcm2);
  g::alaw_encode(pcm, codes);
  g::alaw_decode(codes, pcm2);
  g::alaw_to_ulaw(codes, codes);
  g::ulaw_to_alaw(codes, codes);
  g::scalar::ulaw_encode(pcm, codes);
  g::scalar::alaw_decode(codes, pcm2);
  g::scalar::ulaw_to_alaw(codes, codes);
  k::gain(pcm, pcm2, 1.25f);
  k::gain_ramp(pcm2, pcm2, 1.0f, 0.5f);
  const std::array<std::span<const std::int16_t>, 2> in = {pcm, pcm2};
  k::mix(in, pcm2);
  sum += static_cast<std::int64_t>(k::sum_squares(pcm2));
  sum += static_cast<std::int64_t>(k::rms_dbfs(pcm2));
  sum += k::peak(pcm2);
  k::to_float(pcm2, fa);
  k::clamp(std::span<const float>(fa), std::span<float>(fa), -0.5f, 0.5f);
  k::from_float(fa, pcm2);
  k::clamp(std::span<const std::int16_t>(pcm2), std::span<std::int16_t>(pcm2), -1000, 1000);
  sum += static_cast<std::int64_t>(k::dot(fa, fb));
  k::axpy(0.5f, fa, fb);
  k::mul_acc(fa, fa, fb);
  sum += static_cast<std::int64_t>(k::scalar::sum_squares(pcm2)) + k::scalar::peak(pcm2);
  dsp::fixed_frame<160> frame;
  frame.resize(160);
  k::gain(pcm, frame.samples(), 0.5f);
  sum += frame.view().next_rtp_timestamp();
  return sum + codes[0] + pcm2[0];
}

TEST(core_alloc, probe_sees_allocations) { ASSERT_TRUE(test::allocation_probe_works()); }

TEST(core_alloc, codecs_and_kernels_allocate_nothing_on_every_target) {
  ASSERT_TRUE(test::allocation_probe_works());
  for (const std::size_t n : {std::size_t{80}, std::size_t{160}, std::size_t{161}, std::size_t{480}}) {
    std::vector<std::int16_t> pcm(n, 1234), pcm2(n);
    std::vector<std::uint8_t> codes(n);
    std::vector<float> fa(n, 0.25f), fb(n, 0.5f);
    for (const std::int64_t target : test::compiled_targets()) {
      if (!test::cpu_supports(target)) continue;  // kernels_test reports unsupported targets as skipped
      test::scoped_target forced(target);
      run_everything(pcm, pcm2, codes, fa, fb);  // warm-up: first dispatch resolves the target
      const std::uint64_t before = test::thread_allocated_bytes();
      std::int64_t sink = 0;
      for (int rep = 0; rep < 100; ++rep) sink += run_everything(pcm, pcm2, codes, fa, fb);
      const std::uint64_t after = test::thread_allocated_bytes();
      EXPECT_EQ(after - before, 0u) << hwy::TargetName(target) << " n=" << n << " (checksum " << sink << ")";
    }
  }
}

}  // namespace
