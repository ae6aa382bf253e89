// SPDX-License-Identifier: BSD-3-Clause
// Unit tests of the echo cancellers: config, factory memory, allocation-free process, convergence, delay, flags.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <memory_resource>
#include <optional>
#include <random>
#include <span>
#include <stdexcept>
#include <tuple>
#include <vector>

#include "dsp/aec.h"
#include "dsp/aec_advanced.h"
#include "dsp/aec_simd.h"
#include "dsp/delay_estimator.h"
#include "dsp/echo_suppressor.h"
#include "tests/common/alloc_probe.h"
#include "tests/common/hwy_targets.h"

namespace {

// A memory resource that counts what goes through it.
class counting_resource final : public std::pmr::memory_resource {
 public:
  std::size_t outstanding = 0;
  std::size_t allocations = 0;

 private:
  void* do_allocate(std::size_t bytes, std::size_t align) override {
    outstanding += bytes;
    ++allocations;
    return std::pmr::new_delete_resource()->allocate(bytes, align);
  }
  void do_deallocate(void* p, std::size_t bytes, std::size_t align) override {
    outstanding -= bytes;
    std::pmr::new_delete_resource()->deallocate(p, bytes, align);
  }
  bool do_is_equal(const std::pmr::memory_resource& o) const noexcept override { return this == &o; }
};

dsp::aec_config make_cfg(dsp::grade g, int frame = 160, int tail_ms = 64) {
  dsp::aec_config c;
  c.mode = g;
  c.frame_samples = frame;
  c.tail_ms = tail_ms;
  return c;
}

// White far end at -20 dBFS, echo through a fixed sparse path after `delay` samples,
// optional white near-end noise. Fully deterministic.
struct white_echo {
  std::vector<std::int16_t> far, near;
  std::vector<float> echo;
};
white_echo make_white_echo(std::size_t samples, int delay, float noise_rms = 0.0f, unsigned seed = 3) {
  std::mt19937 rng(seed);
  std::normal_distribution<float> g(0.0f, 1.0f);
  white_echo w;
  w.far.resize(samples);
  w.near.resize(samples);
  w.echo.resize(samples);
  const std::vector<std::pair<int, float>> path = {{0, 0.4f}, {3, -0.25f}, {17, 0.12f}, {90, 0.05f}, {250, -0.03f}};
  for (std::size_t t = 0; t < samples; ++t) w.far[t] = static_cast<std::int16_t>(std::lrint(3276.0f * g(rng)));
  for (std::size_t t = 0; t < samples; ++t) {
    float e = 0;
    for (auto [lag, gain] : path) {
      const auto l = static_cast<std::size_t>(delay + lag);
      if (t >= l) e += gain * w.far[t - l];
    }
    w.echo[t] = e;
    w.near[t] = static_cast<std::int16_t>(std::lrint(std::clamp(e + noise_rms * g(rng), -32768.0f, 32767.0f)));
  }
  return w;
}

// Echo power in / residual power out over [from, to), residual = out - (near - echo).
double erle_db(const white_echo& w, const std::vector<std::int16_t>& out, std::size_t from, std::size_t to) {
  double e = 0, r = 0;
  for (std::size_t t = from; t < to; ++t) {
    const double noise = static_cast<double>(w.near[t]) - w.echo[t];
    const double res = out[t] - noise;
    e += static_cast<double>(w.echo[t]) * w.echo[t];
    r += res * res;
  }
  return 10.0 * std::log10(e / std::max(r, 1e-9));
}

std::vector<std::int16_t> run(dsp::echo_canceller& aec, const white_echo& w, int frame) {
  std::vector<std::int16_t> out(w.near.size() / static_cast<std::size_t>(frame) * static_cast<std::size_t>(frame));
  const auto n = static_cast<std::size_t>(frame);
  for (std::size_t t = 0; t + n <= out.size(); t += n)
    aec.process(std::span(w.near).subspan(t, n), std::span(w.far).subspan(t, n), std::span(out).subspan(t, n));
  return out;
}

TEST(aec_config, validates_fields) {
  dsp::aec_config c;
  ASSERT_TRUE(c.validate().has_value());  // mode off
  EXPECT_NE(c.validate()->find("mode"), std::string::npos);
  c.mode = dsp::grade::basic;
  EXPECT_FALSE(c.validate().has_value());
  c.mode = dsp::grade::advanced;
  EXPECT_FALSE(c.validate().has_value());
  auto bad = [](auto mutate, const char* field) {
    dsp::aec_config x;
    x.mode = dsp::grade::advanced;
    mutate(x);
    const auto v = x.validate();
    ASSERT_TRUE(v.has_value()) << field;
    EXPECT_NE(v->find(field), std::string::npos) << *v;
  };
  bad([](dsp::aec_config& x) { x.frame_samples = 79; }, "frame_samples");
  bad([](dsp::aec_config& x) { x.frame_samples = 481; }, "frame_samples");
  bad([](dsp::aec_config& x) { x.tail_ms = 4; }, "tail_ms");
  bad([](dsp::aec_config& x) { x.tail_ms = 700; }, "tail_ms");
  bad([](dsp::aec_config& x) { x.max_delay_ms = -1; }, "max_delay_ms");
  bad([](dsp::aec_config& x) { x.max_delay_ms = 1001; }, "max_delay_ms");
  bad([](dsp::aec_config& x) { x.nlms_step = 0.0f; }, "nlms_step");
  bad([](dsp::aec_config& x) { x.nlms_step = NAN; }, "nlms_step");
  bad([](dsp::aec_config& x) { x.far_silence_dbfs = 0.0f; }, "far_silence_dbfs");
}

TEST(aec_factory, throws_validate_message) {
  dsp::aec_config c = make_cfg(dsp::grade::basic);
  c.tail_ms = 1000;
  try {
    (void)dsp::make_echo_canceller(c);
    FAIL() << "no exception";
  } catch (const std::invalid_argument& e) {
    EXPECT_EQ(std::string(e.what()), *c.validate());
  }
  EXPECT_THROW((void)dsp::make_echo_canceller(dsp::aec_config{}), std::invalid_argument);
}

// Every byte of the object and its buffers comes from the given resource: with the
// default resource set to null_memory_resource any stray pmr allocation would throw.
TEST(aec_factory, every_byte_from_the_resource) {
  for (auto g : {dsp::grade::basic, dsp::grade::advanced}) {
    for (int tail : {64, 256}) {
      counting_resource mr;
      {
        auto* previous = std::pmr::set_default_resource(std::pmr::null_memory_resource());
        auto aec = dsp::make_echo_canceller(make_cfg(g, 160, tail), &mr);
        std::pmr::set_default_resource(previous);
        EXPECT_GE(mr.allocations, 4u);  // the object and its buffers
        EXPECT_GT(mr.outstanding, static_cast<std::size_t>(tail) * 8 * sizeof(float));
        std::vector<std::int16_t> frame(160, 100), out(160);
        aec->process(frame, frame, out);
      }
      EXPECT_EQ(mr.outstanding, 0u) << "all returned";
    }
  }
}

TEST(aec_process, allocation_free) {
  ASSERT_TRUE(test::allocation_probe_works());
  for (auto g : {dsp::grade::basic, dsp::grade::advanced}) {
    for (int frame : {80, 160, 480}) {
      auto aec = dsp::make_echo_canceller(make_cfg(g, frame, 128));
      const auto w = make_white_echo(static_cast<std::size_t>(frame) * 60, 400, 30.0f);
      std::vector<std::int16_t> out(w.near.size());
      const auto n = static_cast<std::size_t>(frame);
      const std::uint64_t before = test::thread_allocated_bytes();
      for (std::size_t t = 0; t + n <= w.near.size(); t += n) {
        aec->process(std::span(w.near).subspan(t, n), std::span(w.far).subspan(t, n), std::span(out).subspan(t, n));
        if (t == 30 * n) aec->reset();
        (void)aec->status();
      }
      const std::uint64_t after = test::thread_allocated_bytes();
      EXPECT_EQ(after - before, 0u) << dsp::to_string(g) << " frame " << frame;
    }
  }
}

TEST(aec_process, in_place_equals_out_of_place) {
  for (auto g : {dsp::grade::basic, dsp::grade::advanced}) {
    auto a = dsp::make_echo_canceller(make_cfg(g));
    auto b = dsp::make_echo_canceller(make_cfg(g));
    const auto w = make_white_echo(160 * 100, 40, 20.0f);
    std::vector<std::int16_t> out(160), inplace(160);
    for (std::size_t t = 0; t + 160 <= w.near.size(); t += 160) {
      a->process(std::span(w.near).subspan(t, 160), std::span(w.far).subspan(t, 160), out);
      std::copy_n(w.near.begin() + static_cast<std::ptrdiff_t>(t), 160, inplace.begin());
      b->process(inplace, std::span(w.far).subspan(t, 160), inplace);
      ASSERT_EQ(out, inplace) << dsp::to_string(g) << " at " << t;
    }
  }
}

// Both grades cancel a short echo of a white far end well inside the tail.
TEST(aec_process, converges_on_white_noise) {
  for (auto g : {dsp::grade::basic, dsp::grade::advanced}) {
    auto aec = dsp::make_echo_canceller(make_cfg(g));
    const auto w = make_white_echo(8000 * 4, 40, 3.0f);  // noise -80 dBFS
    const auto out = run(*aec, w, 160);
    const double erle = erle_db(w, out, 8000 * 2, out.size());
    EXPECT_GT(erle, g == dsp::grade::basic ? 30.0 : 35.0) << dsp::to_string(g);
    const auto st = aec->status();
    EXPECT_TRUE(st.converged) << dsp::to_string(g);
    EXPECT_GT(st.erle_db, 20.0f) << dsp::to_string(g);
    EXPECT_FALSE(st.double_talk);
    EXPECT_FALSE(aec->failed());
  }
}

// The advanced grade works at every frame length the gateway meets.
TEST(aec_process, advanced_every_frame_size) {
  for (int frame : {80, 100, 160, 240, 320, 480}) {
    auto aec = dsp::make_echo_canceller(make_cfg(dsp::grade::advanced, frame, 64));
    const auto w = make_white_echo(8000 * 4, 24, 3.0f);
    const auto out = run(*aec, w, frame);
    EXPECT_GT(erle_db(w, out, 8000 * 2, out.size()), 30.0) << "frame " << frame;
  }
}

// Long tails (more than 8 partitions: ceil(P / 8) gradient constraints per block):
// an echo 200 ms into a 256 ms tail at 160-sample frames (P = 13) and 100 ms into a
// 128 ms tail at 80-sample frames (P = 13) is cancelled; the delay search is off so
// the filter itself must hold the late taps (near-end noise at -81 dBFS).
TEST(aec_process, advanced_long_tail_holds_late_taps) {
  for (auto [frame, tail_ms, delay_ms] : {std::tuple{160, 256, 200}, std::tuple{80, 128, 100}}) {
    auto cfg = make_cfg(dsp::grade::advanced, frame, tail_ms);
    cfg.delay_estimation = false;
    cfg.residual_suppression = false;
    auto aec = dsp::make_echo_canceller(cfg);
    const auto w = make_white_echo(8000 * 6, delay_ms * 8 - 40, 3.0f);
    const auto out = run(*aec, w, frame);
    EXPECT_GT(erle_db(w, out, 8000 * 4, out.size()), 45.0) << frame << " / " << tail_ms;  // measured 55.7 / 57.9
  }
}

// A bulk delay longer than the tail: the advanced grade finds it and cancels, the
// delay estimate is within the estimator's 4-sample resolution.
TEST(aec_process, advanced_finds_bulk_delay) {
  for (int delay_ms : {120, 300}) {
    auto aec = dsp::make_echo_canceller(make_cfg(dsp::grade::advanced, 160, 64));
    const int delay = delay_ms * 8;
    const auto w = make_white_echo(8000 * 5, delay, 3.0f);
    const auto out = run(*aec, w, 160);
    EXPECT_NEAR(aec->status().delay_samples, delay, 4) << delay_ms;
    EXPECT_GT(erle_db(w, out, 8000 * 3, out.size()), 30.0) << delay_ms;
  }
  // Without delay estimation the same echo is out of reach of a 64 ms tail.
  auto cfg = make_cfg(dsp::grade::advanced, 160, 64);
  cfg.delay_estimation = false;
  cfg.residual_suppression = false;
  auto aec = dsp::make_echo_canceller(cfg);
  const auto w = make_white_echo(8000 * 5, 2400, 3.0f);
  const auto out = run(*aec, w, 160);
  EXPECT_LT(erle_db(w, out, 8000 * 3, out.size()), 3.0);
}

TEST(aec_process, double_talk_flag_and_near_end_kept) {
  auto cfg = make_cfg(dsp::grade::advanced);
  auto aec = dsp::make_echo_canceller(cfg);
  auto w = make_white_echo(8000 * 6, 40, 3.0f);
  // Near-end "talker" (independent noise burst at -20 dBFS) from 4 s to 5 s.
  std::mt19937 rng(11);
  std::normal_distribution<float> g(0.0f, 3276.0f);
  std::vector<float> talker(w.near.size(), 0.0f);
  for (std::size_t t = 8000 * 4; t < 8000 * 5; ++t) {
    talker[t] = g(rng);
    w.near[t] = static_cast<std::int16_t>(std::lrint(std::clamp(w.near[t] + talker[t], -32768.0f, 32767.0f)));
  }
  std::vector<std::int16_t> out(w.near.size());
  int dt_frames_in = 0, dt_frames_before = 0;
  for (std::size_t t = 0; t + 160 <= w.near.size(); t += 160) {
    aec->process(std::span(w.near).subspan(t, 160), std::span(w.far).subspan(t, 160), std::span(out).subspan(t, 160));
    if (t >= 8000 * 4 + 800 && t < 8000 * 5) dt_frames_in += aec->status().double_talk;
    if (t >= 8000 * 2 && t < 8000 * 4) dt_frames_before += aec->status().double_talk;
  }
  EXPECT_GT(dt_frames_in, 35) << "of 45 frames";
  EXPECT_LT(dt_frames_before, 3);
  // The talker passes at its level (within 1 dB) and the canceller stays converged after.
  double in = 0, outp = 0;
  for (std::size_t t = 8000 * 4; t < 8000 * 5; ++t) {
    in += static_cast<double>(talker[t]) * talker[t];
    outp += static_cast<double>(out[t]) * out[t];
  }
  EXPECT_NEAR(10.0 * std::log10(outp / in), 0.0, 1.0);
  EXPECT_GT(erle_db(w, out, static_cast<std::size_t>(8000 * 5.5), out.size()), 30.0);
}

TEST(aec_process, reset_forgets_the_path) {
  for (auto g : {dsp::grade::basic, dsp::grade::advanced}) {
    auto aec = dsp::make_echo_canceller(make_cfg(g));
    const auto w = make_white_echo(8000 * 2, 40, 3.0f);
    (void)run(*aec, w, 160);
    ASSERT_TRUE(aec->status().converged);
    aec->reset();
    EXPECT_FALSE(aec->status().converged);
    EXPECT_EQ(aec->status().erle_db, 0.0f);
    // Zero taps and a silent far end: the near end passes unchanged (before the reset
    // the converged filter would subtract its echo estimate of the far-end history).
    std::vector<std::int16_t> out(160), silent(160, 0);
    aec->process(std::span(w.near).subspan(8000, 160), silent, out);
    EXPECT_TRUE(std::equal(out.begin(), out.end(), w.near.begin() + 8000)) << dsp::to_string(g);
  }
}

TEST(aec_process, full_scale_input_stays_finite) {
  for (auto g : {dsp::grade::basic, dsp::grade::advanced}) {
    auto aec = dsp::make_echo_canceller(make_cfg(g));
    std::vector<std::int16_t> far(160), near(160), out(160);
    for (int f = 0; f < 300; ++f) {
      for (int i = 0; i < 160; ++i) {
        far[static_cast<std::size_t>(i)] = ((i / 7 + f) % 2) ? 32767 : -32768;
        near[static_cast<std::size_t>(i)] = ((i / 5 + f) % 3) ? 32767 : -32768;
      }
      aec->process(near, far, out);
    }
    EXPECT_FALSE(aec->failed()) << dsp::to_string(g);
    EXPECT_TRUE(std::isfinite(aec->status().erle_db));
  }
}

TEST(delay_estimator, finds_white_noise_delay) {
  for (int delay : {0, 4, 400, 1000, 3996}) {
    dsp::delay_estimator est(160, 4000);
    std::mt19937 rng(5);
    std::normal_distribution<float> g(0.0f, 3000.0f);
    std::vector<float> far(8000 * 3), near(far.size(), 0.0f);
    for (auto& v : far) v = g(rng);
    for (std::size_t t = static_cast<std::size_t>(delay); t < far.size(); ++t) near[t] = 0.3f * far[t - static_cast<std::size_t>(delay)];
    for (std::size_t t = 0; t + 160 <= far.size(); t += 160)
      est.update(std::span(far).subspan(t, 160), std::span(near).subspan(t, 160), true);
    EXPECT_NEAR(est.delay_samples(), delay, 4) << delay;
    EXPECT_GT(est.confidence(), 6.0f);
  }
}

TEST(delay_estimator, no_estimate_without_echo) {
  dsp::delay_estimator est(160, 4000);
  std::mt19937 rng(6);
  std::normal_distribution<float> g(0.0f, 3000.0f);
  std::vector<float> far(160), near(160);
  for (int f = 0; f < 200; ++f) {
    for (auto& v : far) v = g(rng);
    for (auto& v : near) v = g(rng);
    est.update(far, near, true);
  }
  EXPECT_EQ(est.delay_samples(), -1);
}

// The SIMD kernels added for the per-block sums, on every compiled Highway target,
// against double-precision references (float sums: tolerance n * 2^-23 * sum of |terms|).
class aec_simd_targets : public ::testing::TestWithParam<std::int64_t> {
 protected:
  void SetUp() override {
    if (!test::cpu_supports(GetParam()))
      GTEST_SKIP() << hwy::TargetName(GetParam()) << " is not supported by this CPU";
    forced_.emplace(GetParam());
  }
  void TearDown() override { forced_.reset(); }
  std::optional<test::scoped_target> forced_;
  std::mt19937 rng_{20261125};
};

std::vector<float> random_floats(std::size_t n, std::mt19937& rng, float scale) {
  std::normal_distribution<float> g(0.0f, scale);
  std::vector<float> v(n);
  for (auto& x : v) x = g(rng);
  return v;
}

constexpr std::size_t simd_lengths[] = {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17,
                                        31, 32, 33, 159, 160, 161};

TEST_P(aec_simd_targets, errors_and_block_powers) {
  for (const std::size_t n : simd_lengths) {
    const auto near = random_floats(n, rng_, 3000.0f), yf = random_floats(n, rng_, 2000.0f),
               yb = random_floats(n, rng_, 2000.0f);
    std::vector<float> ef(n + 1, 7.0f), eb(n + 1, 7.0f);
    const auto got = dsp::aec_simd::errors(near.data(), yf.data(), yb.data(), ef.data(), eb.data(), n);
    double want[5] = {}, mag[5] = {};
    for (std::size_t i = 0; i < n; ++i) {
      ASSERT_EQ(ef[i], near[i] - yf[i]) << n;  // one rounding, same on every target
      ASSERT_EQ(eb[i], near[i] - yb[i]) << n;
      const double terms[5] = {static_cast<double>(near[i]) * near[i], static_cast<double>(ef[i]) * ef[i],
                               static_cast<double>(eb[i]) * eb[i], static_cast<double>(yf[i]) * yf[i],
                               (static_cast<double>(yb[i]) - yf[i]) * (static_cast<double>(yb[i]) - yf[i])};
      for (int k = 0; k < 5; ++k) {
        want[k] += terms[k];
        mag[k] += terms[k];
      }
    }
    EXPECT_EQ(ef[n], 7.0f) << "wrote past the end, n=" << n;
    EXPECT_EQ(eb[n], 7.0f) << "wrote past the end, n=" << n;
    const float got_v[5] = {got.near, got.fore, got.back, got.echo_fore, got.disagreement};
    for (int k = 0; k < 5; ++k)
      EXPECT_NEAR(got_v[k], want[k], (static_cast<double>(n) + 2.0) * std::ldexp(1.0, -23) * mag[k] + 1e-3)
          << "sum " << k << " n=" << n;
  }
}

TEST_P(aec_simd_targets, elementwise_mul) {
  for (const std::size_t n : simd_lengths) {
    const auto y0 = random_floats(n, rng_, 100.0f), w = random_floats(n, rng_, 2.0f);
    std::vector<float> y(y0);
    y.push_back(7.0f);
    dsp::aec_simd::mul(y.data(), w.data(), n);
    for (std::size_t i = 0; i < n; ++i) ASSERT_EQ(y[i], y0[i] * w[i]) << i << " of " << n;  // one rounding
    EXPECT_EQ(y[n], 7.0f) << "wrote past the end, n=" << n;
  }
}

TEST_P(aec_simd_targets, sum_and_max_abs) {
  for (const std::size_t n : simd_lengths) {
    auto x = random_floats(n, rng_, 100.0f);
    double want = 0, mag = 0;
    float peak = 0;
    for (float v : x) {
      want += v;
      mag += std::fabs(v);
      peak = std::max(peak, std::fabs(v));
    }
    EXPECT_NEAR(dsp::aec_simd::sum(x.data(), n), want, (static_cast<double>(n) + 2.0) * std::ldexp(1.0, -23) * mag)
        << n;
    EXPECT_EQ(dsp::aec_simd::max_abs(x.data(), n), peak) << n;  // exact: no rounding in max/abs
    if (n > 0) {  // the peak at either end, negative
      x.back() = -1e4f;
      EXPECT_EQ(dsp::aec_simd::max_abs(x.data(), n), 1e4f) << n;
      x.front() = -2e4f;
      EXPECT_EQ(dsp::aec_simd::max_abs(x.data(), n), 2e4f) << n;
    }
  }
}

INSTANTIATE_TEST_SUITE_P(targets, aec_simd_targets, ::testing::ValuesIn(test::compiled_targets()),
                         [](const ::testing::TestParamInfo<std::int64_t>& p) { return test::target_param_name(p.param); });

TEST(echo_suppressor, passes_without_far_end_and_fills_when_suppressing) {
  dsp::echo_suppressor res(dsp::echo_suppressor::config{});
  std::mt19937 rng(7);
  std::normal_distribution<float> g(0.0f, 100.0f);  // background at -50 dBFS
  std::vector<float> e(160);
  for (int f = 0; f < 50; ++f) {
    for (auto& v : e) v = g(rng);
    const std::vector<float> in = e;
    res.process(e, 0.0f, false);
    ASSERT_EQ(e, in);  // no far end: untouched
  }
  // Residual echo at -30 dBFS expected and present: suppressed, background kept by comfort noise.
  double out_power = 0;
  for (int f = 0; f < 50; ++f) {
    for (auto& v : e) v = g(rng) + 1000.0f * std::sin(0.3f * static_cast<float>(f * 160 + (&v - e.data())));
    res.process(e, 0.5e6f, true);
    if (f >= 10)
      for (float v : e) out_power += static_cast<double>(v) * v;
  }
  out_power /= 40.0 * 160.0;
  EXPECT_LT(res.gain(), 0.05f);
  EXPECT_NEAR(10.0 * std::log10(out_power / 1e4), 0.0, 2.0);  // ~ the 100^2 background
}

}  // namespace
