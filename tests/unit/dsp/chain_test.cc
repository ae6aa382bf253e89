// SPDX-License-Identifier: BSD-3-Clause
// Unit tests of the processing chain: grade selection, validation, fallback, stage-by-stage equivalence, AEC, allocation.
#include <gtest/gtest.h>

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <memory_resource>
#include <vector>

#include "dsp/chain.h"
#include "tests/common/alloc_probe.h"
#include "tests/common/speech_source.h"
#include "tests/common/test_signals.h"

namespace {

using dsp::grade;

dsp::chain_config cfg_of(grade aec, grade vad, grade agc) {
  dsp::chain_config c;
  c.aec.mode = aec;
  c.vad.mode = vad;
  c.agc.mode = agc;
  return c;
}

// Near end = far end through a short echo path (8 ms bulk delay, 3 taps, -10 dB)
// plus the near talker's own noisy speech in the second half, 8 kHz.
struct echo_scene {
  std::vector<std::int16_t> far, near;
};
echo_scene make_scene(double seconds) {
  echo_scene s;
  s.far = test::speech_corpus_8k(31, seconds);
  const auto noise = test::white_noise(32, s.far.size(), -65.0);
  s.near.resize(s.far.size());
  for (std::size_t i = 0; i < s.far.size(); ++i) {
    double e = 0;
    if (i >= 64) e += 0.30 * s.far[i - 64];
    if (i >= 66) e -= 0.12 * s.far[i - 66];
    if (i >= 70) e += 0.05 * s.far[i - 70];
    s.near[i] = static_cast<std::int16_t>(std::lrint(e + noise[i]));
  }
  return s;
}

TEST(Chain, BuildsEveryGradeCombination) {
  for (grade v : {grade::off, grade::basic, grade::advanced})
    for (grade a : {grade::off, grade::basic, grade::advanced}) {
      dsp::processing_chain ch(cfg_of(grade::off, v, a));
      EXPECT_EQ(ch.vad_grade(), v);
      EXPECT_EQ(ch.agc_grade(), a);
      EXPECT_EQ(ch.aec_grade(), grade::off);
      EXPECT_EQ(ch.fallback_count(), 0u);
      EXPECT_EQ(ch.latency_samples(), a == grade::advanced ? 16 : 0);
      auto x = test::pink_noise(1, 1600, -30.0);
      for (std::size_t i = 0; i < x.size(); i += 160) {
        const auto r = ch.process(std::span(x).subspan(i, 160), {});
        if (v == grade::off) {
          EXPECT_TRUE(r.speech);
        }
        if (a == grade::off) {
          EXPECT_EQ(r.agc_gain_db, 0.0f);
        }
      }
    }
}

TEST(Chain, ValidationNamesTheField) {
  auto c = cfg_of(grade::off, grade::basic, grade::basic);
  c.frame_samples = 50;
  EXPECT_NE(c.validate().value_or("").find("frame_samples"), std::string::npos);
  EXPECT_THROW(dsp::processing_chain{c}, std::invalid_argument);
  c = cfg_of(grade::off, grade::advanced, grade::basic);
  c.vad.advanced.threshold = 2.0f;
  c.fallback_to_basic = false;
  EXPECT_NE(c.validate().value_or("").find("vad.advanced.threshold"), std::string::npos);
  c = cfg_of(grade::basic, grade::off, grade::off);
  c.aec.tail_ms = 100000;
  c.fallback_to_basic = false;
  EXPECT_NE(c.validate().value_or("").find("aec.basic"), std::string::npos);
}

TEST(Chain, InvalidAdvancedFallsBackAtConstructionAndIsCounted) {
  auto c = cfg_of(grade::off, grade::advanced, grade::advanced);
  c.vad.advanced.sub_windows = 0;
  c.agc.advanced.ratio = 0.5f;
  dsp::processing_chain ch(c);
  EXPECT_EQ(ch.vad_grade(), grade::basic);
  EXPECT_EQ(ch.agc_grade(), grade::basic);
  EXPECT_EQ(ch.fallback_count(), 2u);
}

TEST(Chain, RuntimeFailureFallsBackWithoutAllocating) {
  ASSERT_TRUE(test::allocation_probe_works());
  dsp::processing_chain ch(cfg_of(grade::off, grade::advanced, grade::advanced));
  auto x = test::pink_noise(2, 8000 * 3, -40.0);
  std::size_t i = 0;
  for (; i < 8000; i += 160) ch.process(std::span(x).subspan(i, 160), {});
  const std::uint64_t before = test::thread_allocated_bytes();
  ch.inject_advanced_faults_for_test();
  ch.process(std::span(x).subspan(i, 160), {});
  EXPECT_EQ(test::thread_allocated_bytes() - before, 0u);
  EXPECT_EQ(ch.vad_grade(), grade::basic);
  EXPECT_EQ(ch.agc_grade(), grade::basic);
  EXPECT_EQ(ch.fallback_count(), 2u);
  // The basic stages carry on: the frames keep flowing and the gain keeps adapting.
  float g = 0;
  for (i += 160; i + 160 <= x.size(); i += 160) g = ch.process(std::span(x).subspan(i, 160), {}).agc_gain_db;
  EXPECT_GT(g, 5.0f);
}

TEST(Chain, StagesOneByOneEqualProcess) {
  const auto scene = make_scene(4.0);
  const auto c = cfg_of(grade::advanced, grade::advanced, grade::advanced);
  dsp::processing_chain a(c), b(c);
  auto xa = scene.near, xb = scene.near;
  for (std::size_t i = 0; i + 160 <= xa.size(); i += 160) {
    const auto fa = std::span(xa).subspan(i, 160), fb = std::span(xb).subspan(i, 160);
    const auto far = std::span<const std::int16_t>(scene.far).subspan(i, 160);
    const auto r = a.process(fa, far);
    b.run_aec(fb, far);
    const auto v = b.run_vad(fb);
    const float g = b.run_agc(fb, v.speech);
    ASSERT_EQ(r.speech, v.speech) << i;
    ASSERT_EQ(r.speech_probability, v.probability) << i;
    ASSERT_EQ(r.agc_gain_db, g) << i;
  }
  EXPECT_EQ(xa, xb);
}

// The chain feeds the far end to the echo canceller: with echo only, the output of
// the last 2 s is at least 10 dB under the input, for both grades.
TEST(Chain, EchoIsRemoved) {
  const auto scene = make_scene(8.0);
  for (grade g : {grade::basic, grade::advanced}) {
    dsp::processing_chain ch(cfg_of(g, grade::advanced, grade::off));
    auto y = scene.near;
    dsp::chain_result r;
    for (std::size_t i = 0; i + 160 <= y.size(); i += 160)
      r = ch.process(std::span(y).subspan(i, 160), std::span<const std::int16_t>(scene.far).subspan(i, 160));
    const std::size_t from = y.size() - 8000 * 2;
    const double in = test::level_dbfs(std::span(scene.near).subspan(from));
    const double out = test::level_dbfs(std::span(y).subspan(from));
    EXPECT_LT(out, in - 10.0) << dsp::to_string(g);
    EXPECT_EQ(ch.aec_grade(), g);
    EXPECT_GT(r.aec.erle_db, 0.0f) << dsp::to_string(g);
  }
}

TEST(Chain, EveryFrameLengthAndNoAllocation) {
  ASSERT_TRUE(test::allocation_probe_works());
  const auto scene = make_scene(3.0);
  for (int len : {80, 160, 240, 480}) {
    auto c = cfg_of(grade::advanced, grade::advanced, grade::advanced);
    c.frame_samples = len;
    dsp::processing_chain ch(c);
    auto y = scene.near;
    const std::uint64_t before = test::thread_allocated_bytes();
    for (std::size_t i = 0; i + std::size_t(len) <= y.size(); i += std::size_t(len))
      ch.process(std::span(y).subspan(i, std::size_t(len)),
                 std::span<const std::int16_t>(scene.far).subspan(i, std::size_t(len)));
    EXPECT_EQ(test::thread_allocated_bytes() - before, 0u) << len;
  }
}

// Everything the chain owns comes from the memory resource it is given: with the
// FFT plans prepared beforehand (the gateway does that at start), building a full
// advanced chain from a fixed arena touches the heap not at all.
TEST(Chain, AllMemoryFromTheGivenResource) {
  ASSERT_TRUE(test::allocation_probe_works());
  {
    dsp::processing_chain warm(cfg_of(grade::advanced, grade::advanced, grade::advanced));  // plans FFT sizes
  }
  static std::byte arena[4 << 20];
  std::pmr::monotonic_buffer_resource mr(arena, sizeof arena, std::pmr::null_memory_resource());
  auto x = test::pink_noise(3, 1600, -30.0);
  const std::uint64_t before = test::thread_allocated_bytes();
  {
    dsp::processing_chain ch(cfg_of(grade::advanced, grade::advanced, grade::advanced), &mr);
    for (std::size_t i = 0; i < x.size(); i += 160) ch.process(std::span(x).subspan(i, 160), std::span(x).subspan(i, 160));
  }
  EXPECT_EQ(test::thread_allocated_bytes() - before, 0u);
}

}  // namespace
