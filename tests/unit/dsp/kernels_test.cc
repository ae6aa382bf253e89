// SPDX-License-Identifier: BSD-3-Clause
// SIMD audio kernels vs their scalar references on every Highway target, all edge lengths and extremes.
#include "dsp/kernels.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdint>
#include <limits>
#include <optional>
#include <random>
#include <vector>

#include "tests/common/guarded_buffer.h"
#include "tests/common/hwy_targets.h"

namespace {

namespace k = dsp::kernels;
constexpr std::int16_t i16_min = std::numeric_limits<std::int16_t>::min();
constexpr std::int16_t i16_max = std::numeric_limits<std::int16_t>::max();

constexpr std::array<std::size_t, 24> test_lengths = {0,  1,  2,  3,  4,  5,  6,  7,  8,  9,   10,  11,
                                                      12, 13, 14, 15, 16, 17, 31, 32, 33, 159, 160, 161};

// Seeded data: random samples with INT16_MIN/MAX and 0 sprinkled in.
std::vector<std::int16_t> random_pcm(std::size_t n, std::mt19937& rng) {
  std::uniform_int_distribution<int> dist(i16_min, i16_max);
  std::vector<std::int16_t> v(n);
  for (std::size_t i = 0; i < n; ++i) {
    switch (rng() % 8) {
      case 0:
        v[i] = i16_min;
        break;
      case 1:
        v[i] = i16_max;
        break;
      case 2:
        v[i] = 0;
        break;
      default:
        v[i] = static_cast<std::int16_t>(dist(rng));
        break;
    }
  }
  return v;
}

std::vector<float> random_float(std::size_t n, std::mt19937& rng, float range) {
  std::uniform_real_distribution<float> dist(-range, range);
  std::vector<float> v(n);
  for (auto& x : v) x = dist(rng);
  return v;
}

class kernels_simd : public ::testing::TestWithParam<std::int64_t> {
 protected:
  void SetUp() override {
    if (!test::cpu_supports(GetParam()))
      GTEST_SKIP() << hwy::TargetName(GetParam()) << " is not supported by this CPU";
    forced_.emplace(GetParam());
    ASSERT_EQ(k::simd_dispatch_target(), GetParam()) << "dispatch did not pick the forced target";
  }
  void TearDown() override { forced_.reset(); }
  std::optional<test::scoped_target> forced_;
  std::mt19937 rng_{20240611};
};

// Runs an int16 -> int16 kernel and its reference on padded buffers (canaries at
// both ends, odd offset to misalign) and in place; all must agree exactly.
template <class Simd, class Ref>
void check_i16_map(std::mt19937& rng, Simd simd, Ref ref, const char* what) {
  for (const std::size_t n : test_lengths) {
    const auto in = random_pcm(n, rng);
    std::vector<std::int16_t> got(n + 2, 0x1234), want(n + 2, 0x1234);
    simd(std::span<const std::int16_t>(in), std::span<std::int16_t>(got.data() + 1, n));
    ref(std::span<const std::int16_t>(in), std::span<std::int16_t>(want.data() + 1, n));
    ASSERT_EQ(got, want) << what << " n=" << n;
    std::vector<std::int16_t> inplace = in;
    simd(std::span<const std::int16_t>(inplace), std::span<std::int16_t>(inplace));
    ASSERT_TRUE(std::equal(inplace.begin(), inplace.end(), want.begin() + 1)) << what << " in place n=" << n;
  }
}

TEST_P(kernels_simd, gain_exact) {
  for (const float g :
       {0.0f, 1.0f, 0.5f, 0.999f, 1.5f, 2.0f, 3.7f, -1.0f, -0.25f, 1000.0f, 1e-3f, 1.0f / 3.0f}) {
    check_i16_map(
        rng_, [g](auto in, auto out) { k::gain(in, out, g); },
        [g](auto in, auto out) { k::scalar::gain(in, out, g); }, "gain");
  }
  // Saturation and rounding, by value.
  const std::vector<std::int16_t> in = {i16_min, i16_max, 1, -1, 3, -3, 5};
  std::vector<std::int16_t> out(in.size());
  k::gain(in, out, 2.0f);
  EXPECT_EQ(out, (std::vector<std::int16_t>{i16_min, i16_max, 2, -2, 6, -6, 10}));
  k::gain(in, out, 0.5f);  // ties to even: 0.5 -> 0, 1.5 -> 2, 2.5 -> 2
  EXPECT_EQ(out, (std::vector<std::int16_t>{-16384, 16384, 0, 0, 2, -2, 2}));
  k::gain(in, out, -1.0f);
  EXPECT_EQ(out, (std::vector<std::int16_t>{i16_max, -32767, -1, 1, -3, 3, -5}));
}

TEST_P(kernels_simd, gain_ramp_exact) {
  const std::array<std::pair<float, float>, 6> ramps = {
      {{1.0f, 2.0f}, {2.0f, 0.1f}, {0.5f, 0.5f}, {0.0f, 8.0f}, {1.0f, -1.0f}, {0.7071f, 1.4142f}}};
  for (const auto& [g0, g1] : ramps) {
    check_i16_map(
        rng_, [g0 = g0, g1 = g1](auto in, auto out) { k::gain_ramp(in, out, g0, g1); },
        [g0 = g0, g1 = g1](auto in, auto out) { k::scalar::gain_ramp(in, out, g0, g1); }, "gain_ramp");
  }
  // By value: a ramp 0 -> 1 over 4 samples of 1000 gives gains 0, .25, .5, .75.
  const std::vector<std::int16_t> in(4, 1000);
  std::vector<std::int16_t> out(4);
  k::gain_ramp(in, out, 0.0f, 1.0f);
  EXPECT_EQ(out, (std::vector<std::int16_t>{0, 250, 500, 750}));
}

TEST_P(kernels_simd, mix_exact_and_saturating_once) {
  for (const std::size_t n_inputs : {0u, 1u, 2u, 3u, 5u}) {
    for (const std::size_t n : test_lengths) {
      std::vector<std::vector<std::int16_t>> data;
      std::vector<std::span<const std::int16_t>> spans;
      for (std::size_t j = 0; j < n_inputs; ++j) data.push_back(random_pcm(n, rng_));
      for (const auto& d : data) spans.emplace_back(d);
      std::vector<std::int16_t> got(n + 2, 0x1234), want(n + 2, 0x1234);
      k::mix(spans, std::span<std::int16_t>(got.data() + 1, n));
      k::scalar::mix(spans, std::span<std::int16_t>(want.data() + 1, n));
      ASSERT_EQ(got, want) << "inputs=" << n_inputs << " n=" << n;
      if (n_inputs > 0) {
        // In place into the first input.
        std::vector<std::int16_t> first = data[0];
        spans[0] = first;
        k::mix(spans, std::span<std::int16_t>(first));
        ASSERT_TRUE(std::equal(first.begin(), first.end(), want.begin() + 1)) << "in place n=" << n;
      }
    }
  }
  // 32767 + 1 - 1 = 32767: saturation applies to the exact sum, not pairwise.
  const std::vector<std::int16_t> a = {i16_max, i16_min, 20000}, b = {1, -1, 20000}, c = {-1, 1, -10000};
  const std::array<std::span<const std::int16_t>, 3> in = {a, b, c};
  std::vector<std::int16_t> out(3);
  k::mix(in, out);
  EXPECT_EQ(out, (std::vector<std::int16_t>{i16_max, i16_min, 30000}));
}

TEST_P(kernels_simd, energy_and_peak_exact) {
  for (const std::size_t n : test_lengths) {
    const auto x = random_pcm(n, rng_);
    EXPECT_EQ(k::sum_squares(x), k::scalar::sum_squares(x)) << n;
    EXPECT_EQ(k::peak(x), k::scalar::peak(x)) << n;
    EXPECT_EQ(k::rms_dbfs(x), k::scalar::rms_dbfs(x)) << n;
    const std::vector<std::int16_t> all_min(n, i16_min), all_max(n, i16_max);
    EXPECT_EQ(k::sum_squares(all_min), static_cast<std::uint64_t>(n) << 30) << n;
    EXPECT_EQ(k::peak(all_min), n == 0 ? 0 : 32768) << n;
    EXPECT_EQ(k::peak(all_max), n == 0 ? 0 : 32767) << n;
  }
  // Longest frame of INT16_MIN: 480 * 2^30 needs the 64-bit sum.
  const std::vector<std::int16_t> big(480, i16_min);
  EXPECT_EQ(k::sum_squares(big), 480ull << 30);
  EXPECT_FLOAT_EQ(k::rms_dbfs(big), 0.0f);  // square wave at full scale (32768) is 0 dBFS
  // A sine of amplitude 32767 reads 20 log10(32767/32768) - 3.0103 dBFS.
  std::vector<std::int16_t> sine(160);
  for (std::size_t i = 0; i < sine.size(); ++i)
    sine[i] = static_cast<std::int16_t>(
        std::lround(32767.0 * std::sin(2.0 * M_PI * 1000.0 * static_cast<double>(i) / 8000.0)));
  EXPECT_NEAR(k::rms_dbfs(sine), -3.0103, 0.01);
  EXPECT_EQ(k::rms_dbfs(std::vector<std::int16_t>(160, 0)), k::silence_dbfs);
  EXPECT_EQ(k::rms_dbfs({}), k::silence_dbfs);
  // Only a negative extreme among small values: |INT16_MIN| must not wrap.
  std::vector<std::int16_t> one_min(33, 5);
  one_min[32] = i16_min;
  EXPECT_EQ(k::peak(one_min), 32768);
}

TEST_P(kernels_simd, float_conversion_exact) {
  // Every int16 value to float and back is the identity.
  std::vector<std::int16_t> all(65536);
  for (int i = 0; i < 65536; ++i) all[static_cast<std::size_t>(i)] = static_cast<std::int16_t>(i - 32768);
  std::vector<float> f(all.size()), f_ref(all.size());
  k::to_float(all, f);
  k::scalar::to_float(all, f_ref);
  ASSERT_EQ(f, f_ref);
  EXPECT_EQ(f.front(), -1.0f);
  EXPECT_EQ(f.back(), 32767.0f / 32768.0f);
  std::vector<std::int16_t> back(all.size());
  k::from_float(f, back);
  ASSERT_EQ(back, all);
  // Out of range, ties and random values.
  const std::vector<float> special = {
      2.0f, -2.0f, 1.0f, -1.0f, 0.5f / 32768.0f, 1.5f / 32768.0f, -2.5f / 32768.0f, 1e30f, -1e30f};
  std::vector<std::int16_t> s_out(special.size());
  k::from_float(special, s_out);
  EXPECT_EQ(s_out,
            (std::vector<std::int16_t>{i16_max, i16_min, i16_max, i16_min, 0, 2, -2, i16_max, i16_min}));
  for (const std::size_t n : test_lengths) {
    const auto in = random_float(n, rng_, 1.5f);
    std::vector<std::int16_t> got(n + 2, 0x1234), want(n + 2, 0x1234);
    k::from_float(in, std::span<std::int16_t>(got.data() + 1, n));
    k::scalar::from_float(in, std::span<std::int16_t>(want.data() + 1, n));
    ASSERT_EQ(got, want) << n;
    const auto pcm = random_pcm(n, rng_);
    std::vector<float> fg(n + 2, 7.0f), fw(n + 2, 7.0f);
    k::to_float(pcm, std::span<float>(fg.data() + 1, n));
    k::scalar::to_float(pcm, std::span<float>(fw.data() + 1, n));
    ASSERT_EQ(fg, fw) << n;
  }
}

TEST_P(kernels_simd, clamp_exact) {
  for (const auto& [lo, hi] :
       std::array<std::pair<std::int16_t, std::int16_t>, 3>{{{-1000, 1000}, {i16_min, i16_max}, {0, 0}}}) {
    check_i16_map(
        rng_, [lo = lo, hi = hi](auto in, auto out) { k::clamp(in, out, lo, hi); },
        [lo = lo, hi = hi](auto in, auto out) { k::scalar::clamp(in, out, lo, hi); }, "clamp");
  }
  for (const std::size_t n : test_lengths) {
    const auto in = random_float(n, rng_, 2.0f);
    std::vector<float> got(n + 2, 9.0f), want(n + 2, 9.0f);
    k::clamp(std::span<const float>(in), std::span<float>(got.data() + 1, n), -1.0f, 0.5f);
    k::scalar::clamp(std::span<const float>(in), std::span<float>(want.data() + 1, n), -1.0f, 0.5f);
    ASSERT_EQ(got, want) << n;
  }
}

// Float kernels: SIMD sums in another order and may fuse multiply-adds, so
// results differ from the reference by rounding only. Stated tolerances:
//   dot:         |simd - ref| <= 2 n 2^-24 sum|a_i b_i|  (twice the worst-case bound
//                of recursive summation, Higham, "Accuracy and Stability", §3.1)
//   axpy/mul_acc: |simd - ref| <= 2^-23 (|y_i| + |a x_i|)  (one rounding of the product)
TEST_P(kernels_simd, float_dot_and_mac_within_tolerance) {
  for (const std::size_t n : test_lengths) {
    const auto a = random_float(n, rng_, 1.0f);
    const auto b = random_float(n, rng_, 1000.0f);
    double abs_sum = 0.0;
    for (std::size_t i = 0; i < n; ++i) abs_sum += std::fabs(static_cast<double>(a[i]) * b[i]);
    const double tol = 2.0 * static_cast<double>(n) * std::ldexp(1.0, -24) * abs_sum;
    EXPECT_NEAR(k::dot(a, b), k::scalar::dot(a, b), tol) << n;
    double exact = 0.0;
    for (std::size_t i = 0; i < n; ++i) exact += static_cast<double>(a[i]) * b[i];
    EXPECT_NEAR(k::dot(a, b), exact, tol) << n;

    const float alpha = 0.37f;
    std::vector<float> y = random_float(n, rng_, 10.0f);
    std::vector<float> y_ref = y;
    k::axpy(alpha, b, y);
    k::scalar::axpy(alpha, b, y_ref);
    for (std::size_t i = 0; i < n; ++i)
      EXPECT_NEAR(y[i], y_ref[i], std::ldexp(1.0, -23) * (std::fabs(y_ref[i]) + std::fabs(alpha * b[i])))
          << i;
    std::vector<float> z = random_float(n, rng_, 10.0f);
    std::vector<float> z_ref = z;
    k::mul_acc(a, b, z);
    k::scalar::mul_acc(a, b, z_ref);
    for (std::size_t i = 0; i < n; ++i)
      EXPECT_NEAR(z[i], z_ref[i], std::ldexp(1.0, -23) * (std::fabs(z_ref[i]) + std::fabs(a[i] * b[i]))) << i;
  }
  // By value.
  const std::vector<float> a = {1, 2, 3, 4, 5}, b = {2, 2, 2, 2, 2};
  EXPECT_EQ(k::dot(a, b), 30.0f);
}

// Every kernel reading and writing buffers that end at a PROT_NONE page.
TEST_P(kernels_simd, buffers_ending_at_guard_page) {
  for (const std::size_t n : test_lengths) {
    test::guarded_buffer<std::int16_t> in(n), out(n);
    test::guarded_buffer<float> fa(n), fb(n), fy(n);
    const auto pcm = random_pcm(n, rng_);
    std::copy(pcm.begin(), pcm.end(), in.data());
    for (std::size_t i = 0; i < n; ++i) fa.data()[i] = fb.data()[i] = fy.data()[i] = 0.25f;
    std::vector<std::int16_t> want(n);
    k::gain(in.span(), out.span(), 1.5f);
    k::scalar::gain(in.span(), want, 1.5f);
    EXPECT_TRUE(std::equal(want.begin(), want.end(), out.data())) << n;
    k::gain_ramp(in.span(), out.span(), 0.5f, 1.5f);
    k::scalar::gain_ramp(in.span(), want, 0.5f, 1.5f);
    EXPECT_TRUE(std::equal(want.begin(), want.end(), out.data())) << n;
    const std::array<std::span<const std::int16_t>, 2> two = {in.span(), in.span()};
    k::mix(two, out.span());
    k::scalar::mix(two, want);
    EXPECT_TRUE(std::equal(want.begin(), want.end(), out.data())) << n;
    EXPECT_EQ(k::sum_squares(in.span()), k::scalar::sum_squares(pcm));
    EXPECT_EQ(k::peak(in.span()), k::scalar::peak(pcm));
    k::clamp(std::span<const std::int16_t>(in.span()), out.span(), -5, 5);
    k::to_float(in.span(), fy.span());
    k::from_float(fy.span(), out.span());
    EXPECT_TRUE(std::equal(pcm.begin(), pcm.end(), out.data())) << n;
    k::clamp(std::span<const float>(fa.span()), fy.span(), 0.0f, 0.1f);
    EXPECT_EQ(k::dot(fa.span(), fb.span()), 0.0625f * static_cast<float>(n));
    k::axpy(1.0f, fa.span(), fy.span());
    k::mul_acc(fa.span(), fb.span(), fy.span());
    for (std::size_t i = 0; i < n; ++i) EXPECT_EQ(fy.data()[i], 0.1f + 0.25f + 0.0625f) << i;
  }
}

INSTANTIATE_TEST_SUITE_P(targets, kernels_simd, ::testing::ValuesIn(test::compiled_targets()),
                         [](const ::testing::TestParamInfo<std::int64_t>& p) {
                           return test::target_param_name(p.param);
                         });

}  // namespace
