// SPDX-License-Identifier: BSD-3-Clause
// Unit tests of the AGCs and their parts: crossover flat sum, look-ahead limiter, gain tracking, no clipping, allocation.
#include <gtest/gtest.h>

#include <cmath>
#include <complex>
#include <cstdint>
#include <memory>
#include <numbers>
#include <random>
#include <vector>

#include "dsp/agc_advanced.h"
#include "dsp/agc_basic.h"
#include "dsp/crossover.h"
#include "dsp/limiter.h"
#include "tests/common/alloc_probe.h"
#include "tests/common/hwy_targets.h"
#include "tests/common/test_signals.h"

namespace {

using dsp::agc_advanced;
using dsp::agc_advanced_config;
using dsp::agc_basic;
using dsp::agc_basic_config;

double rms_dbfs(const std::vector<std::int16_t>& x, std::size_t from, std::size_t to) {
  return test::level_dbfs(std::span(x).subspan(from, to - from));
}

// Runs an AGC over x in 160-sample frames with a constant VAD decision.
std::vector<std::int16_t> run(dsp::gain_controller& agc, std::vector<std::int16_t> x, bool speech) {
  for (std::size_t i = 0; i + 160 <= x.size(); i += 160) agc.process(std::span(x).subspan(i, 160), speech);
  return x;
}

TEST(AgcConfig, DefaultsValidAndBadFieldsNamed) {
  EXPECT_FALSE(agc_basic_config{}.validate());
  EXPECT_FALSE(agc_advanced_config{}.validate());
  EXPECT_FALSE(dsp::limiter_config{}.validate());
  EXPECT_FALSE(dsp::crossover_config{}.validate());
  agc_basic_config b;
  b.max_gain_db = 99;
  EXPECT_NE(b.validate().value_or("").find("max_gain_db"), std::string::npos);
  EXPECT_THROW(agc_basic{b}, std::invalid_argument);
  agc_advanced_config a;
  a.crossover.high_hz = 700;
  EXPECT_NE(a.validate().value_or("").find("crossover.high_hz"), std::string::npos);
  EXPECT_THROW(agc_advanced{a}, std::invalid_argument);
  a = {};
  a.limiter.lookahead_ms = 50;
  EXPECT_NE(a.validate().value_or("").find("limiter.lookahead_ms"), std::string::npos);
}

// The three LR4 bands sum to an allpass: the magnitude response of their sum is 1
// at every frequency (tolerance 0.01 dB: float biquads), while each band alone is
// 6 dB down at its crossover frequencies (the LR4 signature).
TEST(Crossover, BandsSumFlat) {
  dsp::crossover3 x{dsp::crossover_config{}};
  constexpr int n = 4096;
  std::vector<float> imp(n, 0.0f), lo(n), mid(n), hi(n);
  imp[0] = 1.0f;
  x.split(imp, lo, mid, hi);
  auto response = [&](const std::vector<float>& h, double f) {
    std::complex<double> acc = 0;
    for (int i = 0; i < n; ++i) acc += double(h[i]) * std::polar(1.0, -2 * std::numbers::pi * f * i / 8000.0);
    return std::abs(acc);
  };
  std::vector<float> sum(n);
  for (int i = 0; i < n; ++i) sum[i] = lo[i] + mid[i] + hi[i];
  for (double f = 20; f < 4000; f += 37) EXPECT_NEAR(20 * std::log10(response(sum, f)), 0.0, 0.01) << f;
  EXPECT_NEAR(20 * std::log10(response(lo, 600)), -6.02, 0.3);
  EXPECT_NEAR(20 * std::log10(response(hi, 2000)), -6.02, 0.3);
  // Separation: a tone in the middle of each band lands mostly in that band.
  EXPECT_LT(20 * std::log10(response(lo, 3000)), -40.0);
  EXPECT_LT(20 * std::log10(response(hi, 200)), -40.0);
  EXPECT_NEAR(20 * std::log10(response(mid, 1100)), 0.0, 1.5);
}

// The block form (crossover.h) computes the per-sample LR4 network: the cascade of
// RBJ biquads run sample by sample (split at 2000 Hz, split the low part at 600
// Hz, phase-align the high part with the 600 Hz allpass) gives the same bands to
// 2e-5 of full scale, for frame lengths that are and are not multiples of the SIMD
// block, across frames (history carried), and after reset().
// Both SIMD tests below run on every Highway target compiled in (a target the CPU
// lacks is skipped, and says so).
class SimdTarget : public ::testing::TestWithParam<std::int64_t> {
 protected:
  void SetUp() override {
    if (!test::cpu_supports(GetParam())) GTEST_SKIP() << "CPU lacks " << hwy::TargetName(GetParam());
    forced_ = std::make_unique<test::scoped_target>(GetParam());
  }
  void TearDown() override { forced_.reset(); }
  std::unique_ptr<test::scoped_target> forced_;
};
INSTANTIATE_TEST_SUITE_P(Targets, SimdTarget, ::testing::ValuesIn(test::compiled_targets()),
                         [](const auto& p) { return test::target_param_name(p.param); });

TEST_P(SimdTarget, CrossoverBlockFormMatchesPerSampleCascade) {
  using dsp::biquad;
  dsp::crossover3 x{dsp::crossover_config{}};
  for (int pass = 0; pass < 2; ++pass) {
    biquad lp_hi[2] = {biquad::lowpass(2000, 0.70710678f), biquad::lowpass(2000, 0.70710678f)};
    biquad lp_lo[2] = {biquad::lowpass(600, 0.70710678f), biquad::lowpass(600, 0.70710678f)};
    biquad ap_hi = biquad::allpass(2000, 0.70710678f), ap_lo = biquad::allpass(600, 0.70710678f), ap_lo_hi = ap_lo;
    std::mt19937 rng(11 + pass);
    std::uniform_real_distribution<float> u(-1.0f, 1.0f);
    double worst = 0;
    for (std::size_t len : {160u, 1u, 3u, 77u, 80u, 100u, 480u, 1000u, 17u}) {
      std::vector<float> in(len), lo(len), mid(len), hi(len);
      for (auto& s : in) s = u(rng);
      x.split(in, lo, mid, hi);
      for (std::size_t i = 0; i < len; ++i) {
        const float l2 = lp_hi[1].lowpass_step(lp_hi[0].lowpass_step(in[i]));
        const float h2 = ap_hi.allpass_step(in[i]) - l2;
        const float ll = lp_lo[1].lowpass_step(lp_lo[0].lowpass_step(l2));
        const float m = ap_lo.allpass_step(l2) - ll;
        const float h = ap_lo_hi.allpass_step(h2);
        worst = std::max({worst, double(std::fabs(lo[i] - ll)), double(std::fabs(mid[i] - m)),
                          double(std::fabs(hi[i] - h))});
      }
    }
    EXPECT_LT(worst, 2e-5) << "pass " << pass;
    EXPECT_GT(worst, 0.0);  // the comparison saw real signals (float rounding differs)
    x.reset();
  }
}

TEST(Limiter, NeverExceedsCeilingAndReportsLatency) {
  dsp::limiter_config c;
  dsp::lookahead_limiter lim{c};
  EXPECT_EQ(lim.latency_samples(), 16);  // 2 ms at 8 kHz
  std::mt19937 rng(1);
  std::normal_distribution<float> nd(0.0f, 20000.0f);
  std::vector<float> x(8000);
  for (auto& s : x) s = nd(rng) * (rng() % 7 == 0 ? 4.0f : 1.0f);  // peaks far over full scale
  std::vector<float> y = x;
  for (std::size_t i = 0; i < y.size(); i += 160) lim.process(std::span(y).subspan(i, 160));
  float peak = 0;
  for (float s : y) peak = std::max(peak, std::fabs(s));
  EXPECT_LE(peak, lim.ceiling() * 1.0001f);
  EXPECT_GT(peak, lim.ceiling() * 0.9f);  // it limits, it does not mute
}

// The SIMD evaluation (limiter.h: prefix scan of the gain reduction) computes the
// per-sample definition: required gain r = min(1, ceiling / |x|), its minimum m
// over the last look + 1 samples, h = min(m, 1 - (1 - h) c) snapped to m when
// above 0.9999, output = input of look samples ago times the mean of the last
// look + 1 values of h. Bursts over the ceiling alternate with quiet stretches
// (so the rest path and the release are crossed too), in frames of several
// lengths; outputs agree to 1e-5 of the ceiling.
TEST_P(SimdTarget, LimiterMatchesPerSampleDefinition) {
  dsp::limiter_config c;
  dsp::lookahead_limiter lim{c};
  const int look = lim.latency_samples(), w = look + 1;
  const float ceil = lim.ceiling();
  const float rel = std::exp(-1.0f / (c.release_ms * 1e-3f * 8000.0f));
  std::mt19937 rng(5);
  std::normal_distribution<float> nd(0.0f, 1.0f);
  std::vector<float> x;
  for (int burst = 0; burst < 12; ++burst) {
    const float level = burst % 3 == 0 ? 3000.0f : 25000.0f;  // quiet, or peaks over the ceiling
    for (int i = 0; i < 1700; ++i) x.push_back(level * nd(rng));
  }
  std::vector<float> y = x;
  std::size_t at = 0;
  for (std::size_t len : {160u, 80u, 100u, 480u, 37u, 1u, 250u}) {
    for (int rep = 0; rep < 6 && at + len <= y.size(); ++rep, at += len) lim.process(std::span(y).subspan(at, len));
  }
  // Reference over the processed prefix.
  std::vector<float> h(at, 1.0f);
  float hv = 1.0f;
  double worst = 0;
  int limited = 0;
  for (std::size_t i = 0; i < at; ++i) {
    float m = 1.0f;
    for (int t = 0; t < w && t <= static_cast<int>(i); ++t) {
      const float a = std::fabs(x[i - t]);
      m = std::min(m, a > ceil ? ceil / a : 1.0f);
    }
    hv = std::min(m, 1.0f - (1.0f - hv) * rel);
    if (hv > 0.9999f) hv = std::min(m, 1.0f);
    h[i] = hv;
    double g = 0;
    for (int t = 0; t < w; ++t) g += i >= static_cast<std::size_t>(t) ? h[i - t] : 1.0;
    g /= w;
    const float in = i >= static_cast<std::size_t>(look) ? x[i - look] : 0.0f;
    worst = std::max(worst, std::fabs(double(y[i]) - in * g));
    limited += g < 0.999;
  }
  EXPECT_LT(worst, 1e-5 * ceil);
  EXPECT_GT(limited, 2000);  // the comparison covered limiting, not just the delay
}

TEST(Limiter, QuietSignalPassesDelayedUnchanged) {
  dsp::lookahead_limiter lim{dsp::limiter_config{}};
  std::vector<float> x(800);
  for (std::size_t i = 0; i < x.size(); ++i) x[i] = 10000.0f * std::sin(0.05f * float(i));
  std::vector<float> y = x;
  for (std::size_t i = 0; i < y.size(); i += 160) lim.process(std::span(y).subspan(i, 160));
  const int d = lim.latency_samples();
  for (int i = 0; i < d; ++i) EXPECT_EQ(y[i], 0.0f);
  for (std::size_t i = d; i < y.size(); ++i) EXPECT_NEAR(y[i], x[i - d], 1e-3f) << i;
}

class AgcGrades : public ::testing::TestWithParam<bool> {
 protected:
  std::unique_ptr<dsp::gain_controller> make() {
    if (GetParam()) return std::make_unique<agc_advanced>(agc_advanced_config{});
    return std::make_unique<agc_basic>(agc_basic_config{});
  }
};

// Speech-shaped noise (pink) marked as speech at -40 dBFS reaches the -18 dBFS
// target within 2 s, to 1 dB.
TEST_P(AgcGrades, ReachesTargetOnSpeech) {
  for (double level : {-40.0, -30.0, -10.0}) {
    auto agc = make();
    const auto y = run(*agc, test::pink_noise(3, 8000 * 4, level), true);
    EXPECT_NEAR(rms_dbfs(y, 8000 * 2 + 160, 8000 * 4), -18.0, 1.0) << level;
  }
}

// Non-speech frames do not move the level estimate: a long "pause" at -60 dBFS
// after speech at -30 dBFS leaves the gain where speech put it (basic), or gates
// it down to at most 0 dB (advanced's noise gate).
TEST_P(AgcGrades, PausesDoNotAdaptTheGain) {
  auto agc = make();
  auto s = test::pink_noise(4, 8000 * 3, -30.0);
  for (std::size_t i = 0; i + 160 <= s.size(); i += 160) agc->process(std::span(s).subspan(i, 160), true);
  auto n = test::white_noise(5, 8000 * 3, -60.0);
  float g = 0;
  for (std::size_t i = 0; i + 160 <= n.size(); i += 160) g = agc->process(std::span(n).subspan(i, 160), false);
  if (GetParam()) {
    EXPECT_LE(g, 0.0f);
    EXPECT_LT(rms_dbfs(n, 8000, 8000 * 3), -59.0);  // not pumped up
  } else {
    EXPECT_NEAR(g, 12.0f, 0.5f);  // -18 - (-30), held
  }
}

// Full-scale square waves at the highest gain: no output sample reaches int16
// saturation. "Clip" here means |y| >= 32767 produced by the gain; the ceiling is
// -1 dBFS (29205), so the largest output magnitude must stay at or under it.
TEST_P(AgcGrades, NeverClips) {
  auto agc = make();
  std::vector<std::int16_t> x(8000 * 3);
  // A quiet start (the AGC raises its gain to +30 dB) then sudden full scale.
  for (std::size_t i = 0; i < x.size(); ++i) {
    const int amp = i < 8000 * 2 ? 300 : 32767;
    x[i] = static_cast<std::int16_t>(((i / 13) % 2) ? amp : -amp);
  }
  const auto y = run(*agc, x, true);
  int peak = 0;
  for (auto v : y) peak = std::max(peak, std::abs(int(v)));
  EXPECT_LE(peak, 29206);
  EXPECT_GT(peak, 20000);
}

TEST_P(AgcGrades, ProcessAllocatesNothing) {
  ASSERT_TRUE(test::allocation_probe_works());
  auto agc = make();
  auto x = test::pink_noise(6, 8000 * 2, -35.0);
  const std::uint64_t before = test::thread_allocated_bytes();
  for (std::size_t len : {80u, 160u, 333u, 480u})
    for (std::size_t i = 0; i + len <= x.size(); i += len) agc->process(std::span(x).subspan(i, len), (i / len) % 3 != 0);
  EXPECT_EQ(test::thread_allocated_bytes() - before, 0u);
}

INSTANTIATE_TEST_SUITE_P(BasicAndAdvanced, AgcGrades, ::testing::Values(false, true),
                         [](const ::testing::TestParamInfo<bool>& p) { return p.param ? "advanced" : "basic"; });

TEST(AgcAdvanced, LatencyIsTheLimiterLookahead) {
  agc_advanced_config c;
  c.limiter.lookahead_ms = 4.0f;
  agc_advanced a{c};
  EXPECT_EQ(a.latency_samples(), 32);
  EXPECT_EQ(agc_basic{agc_basic_config{}}.latency_samples(), 0);
}

// A loud band (a strong 3 kHz tone over speech-level pink noise) is cut in its band
// only: the high band's gain drops below the low band's.
TEST(AgcAdvanced, LoudBandIsCompressedAlone) {
  agc_advanced a{agc_advanced_config{}};
  auto x = test::pink_noise(7, 8000 * 6, -30.0);
  for (std::size_t i = 8000 * 4; i < x.size(); ++i)
    x[i] = static_cast<std::int16_t>(x[i] + 6000.0 * std::sin(2 * std::numbers::pi * 3000.0 * double(i) / 8000.0));
  for (std::size_t i = 0; i + 160 <= x.size(); i += 160) a.process(std::span(x).subspan(i, 160), i < 8000 * 4);
  EXPECT_LT(a.band_gain_db(2), a.band_gain_db(0) - 3.0f);
}

}  // namespace
