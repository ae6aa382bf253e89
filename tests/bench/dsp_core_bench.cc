// SPDX-License-Identifier: BSD-3-Clause
// ns per 160-sample frame of every G.711 codec and audio kernel: scalar reference vs each SIMD target.
//
// Names are "<kernel>/<impl>", impl = scalar or a Highway target (AVX3 =
// AVX-512, AVX2, SSE4, SSSE3) forced with hwy::SetSupportedTargetsForTest;
// targets the CPU lacks are not registered. Run:
//   build/tests/bench/dsp_core_bench --benchmark_min_time=0.2
// (or meson test -C build --benchmark --suite bench). Numbers go to README.md.
#include <benchmark/benchmark.h>

#include <array>
#include <cstdint>
#include <functional>
#include <random>
#include <string>
#include <vector>

#include "dsp/g711.h"
#include "dsp/kernels.h"
#include "tests/common/hwy_targets.h"

namespace {

namespace g = dsp::g711;
namespace k = dsp::kernels;

constexpr std::size_t frame = 160;  // 20 ms at 8 kHz, the common RTP packetisation

struct data {
  data() {
    std::mt19937 rng(42);
    std::uniform_int_distribution<int> pcm_dist(-12000, 12000);  // speech-like levels
    std::uniform_real_distribution<float> fdist(-1.0f, 1.0f);
    for (auto& s : pcm) s = static_cast<std::int16_t>(pcm_dist(rng));
    for (auto& s : pcm_b) s = static_cast<std::int16_t>(pcm_dist(rng));
    for (auto& s : pcm_c) s = static_cast<std::int16_t>(pcm_dist(rng));
    for (auto& f : fa) f = fdist(rng);
    for (auto& f : fb) f = fdist(rng);
    g::scalar::ulaw_encode(pcm, ucodes);
    g::scalar::alaw_encode(pcm, acodes);
  }
  alignas(64) std::array<std::int16_t, frame> pcm{}, pcm_b{}, pcm_c{}, out{};
  alignas(64) std::array<std::uint8_t, frame> ucodes{}, acodes{}, codes_out{};
  alignas(64) std::array<float, frame> fa{}, fb{}, fy{};
};

data& d() {
  static data instance;
  return instance;
}

using kernel_fn = std::function<void()>;

// One kernel, both implementations: `simd` goes through dynamic dispatch, `ref` is dsp::*::scalar.
struct kernel_case {
  const char* name;
  kernel_fn simd;
  kernel_fn ref;
};

std::vector<kernel_case> cases() {
  data& x = d();
  std::vector<kernel_case> c;
  c.push_back({"g711_ulaw_encode", [&x] { g::ulaw_encode(x.pcm, x.codes_out); },
               [&x] { g::scalar::ulaw_encode(x.pcm, x.codes_out); }});
  c.push_back({"g711_alaw_encode", [&x] { g::alaw_encode(x.pcm, x.codes_out); },
               [&x] { g::scalar::alaw_encode(x.pcm, x.codes_out); }});
  c.push_back({"g711_ulaw_decode", [&x] { g::ulaw_decode(x.ucodes, x.out); },
               [&x] { g::scalar::ulaw_decode(x.ucodes, x.out); }});
  c.push_back({"g711_alaw_decode", [&x] { g::alaw_decode(x.acodes, x.out); },
               [&x] { g::scalar::alaw_decode(x.acodes, x.out); }});
  c.push_back({"g711_ulaw_decode_encode",
               [&x] {
                 g::ulaw_decode(x.ucodes, x.out);
                 g::ulaw_encode(x.out, x.codes_out);
               },
               [&x] {
                 g::scalar::ulaw_decode(x.ucodes, x.out);
                 g::scalar::ulaw_encode(x.out, x.codes_out);
               }});
  c.push_back({"g711_alaw_decode_encode",
               [&x] {
                 g::alaw_decode(x.acodes, x.out);
                 g::alaw_encode(x.out, x.codes_out);
               },
               [&x] {
                 g::scalar::alaw_decode(x.acodes, x.out);
                 g::scalar::alaw_encode(x.out, x.codes_out);
               }});
  c.push_back({"g711_ulaw_to_alaw", [&x] { g::ulaw_to_alaw(x.ucodes, x.codes_out); },
               [&x] { g::scalar::ulaw_to_alaw(x.ucodes, x.codes_out); }});
  c.push_back({"g711_alaw_to_ulaw", [&x] { g::alaw_to_ulaw(x.acodes, x.codes_out); },
               [&x] { g::scalar::alaw_to_ulaw(x.acodes, x.codes_out); }});
  c.push_back(
      {"gain", [&x] { k::gain(x.pcm, x.out, 1.37f); }, [&x] { k::scalar::gain(x.pcm, x.out, 1.37f); }});
  c.push_back({"gain_ramp", [&x] { k::gain_ramp(x.pcm, x.out, 0.8f, 1.2f); },
               [&x] { k::scalar::gain_ramp(x.pcm, x.out, 0.8f, 1.2f); }});
  c.push_back({"mix2",
               [&x] {
                 const std::array<std::span<const std::int16_t>, 2> in = {x.pcm, x.pcm_b};
                 k::mix(in, x.out);
               },
               [&x] {
                 const std::array<std::span<const std::int16_t>, 2> in = {x.pcm, x.pcm_b};
                 k::scalar::mix(in, x.out);
               }});
  c.push_back({"mix3",
               [&x] {
                 const std::array<std::span<const std::int16_t>, 3> in = {x.pcm, x.pcm_b, x.pcm_c};
                 k::mix(in, x.out);
               },
               [&x] {
                 const std::array<std::span<const std::int16_t>, 3> in = {x.pcm, x.pcm_b, x.pcm_c};
                 k::scalar::mix(in, x.out);
               }});
  c.push_back({"sum_squares", [&x] { benchmark::DoNotOptimize(k::sum_squares(x.pcm)); },
               [&x] { benchmark::DoNotOptimize(k::scalar::sum_squares(x.pcm)); }});
  c.push_back({"rms_dbfs", [&x] { benchmark::DoNotOptimize(k::rms_dbfs(x.pcm)); },
               [&x] { benchmark::DoNotOptimize(k::scalar::rms_dbfs(x.pcm)); }});
  c.push_back({"peak", [&x] { benchmark::DoNotOptimize(k::peak(x.pcm)); },
               [&x] { benchmark::DoNotOptimize(k::scalar::peak(x.pcm)); }});
  c.push_back({"to_float", [&x] { k::to_float(x.pcm, x.fy); }, [&x] { k::scalar::to_float(x.pcm, x.fy); }});
  c.push_back(
      {"from_float", [&x] { k::from_float(x.fa, x.out); }, [&x] { k::scalar::from_float(x.fa, x.out); }});
  c.push_back(
      {"clamp_i16",
       [&x] { k::clamp(std::span<const std::int16_t>(x.pcm), std::span<std::int16_t>(x.out), -8000, 8000); },
       [&x] {
         k::scalar::clamp(std::span<const std::int16_t>(x.pcm), std::span<std::int16_t>(x.out), -8000, 8000);
       }});
  c.push_back(
      {"clamp_f32", [&x] { k::clamp(std::span<const float>(x.fa), std::span<float>(x.fy), -0.5f, 0.5f); },
       [&x] { k::scalar::clamp(std::span<const float>(x.fa), std::span<float>(x.fy), -0.5f, 0.5f); }});
  c.push_back({"dot_f32", [&x] { benchmark::DoNotOptimize(k::dot(x.fa, x.fb)); },
               [&x] { benchmark::DoNotOptimize(k::scalar::dot(x.fa, x.fb)); }});
  // y stays bounded: a = 0 keeps the values, the work is the same.
  c.push_back({"axpy_f32", [&x] { k::axpy(0.0f, x.fa, x.fy); }, [&x] { k::scalar::axpy(0.0f, x.fa, x.fy); }});
  c.push_back({"mul_acc_f32", [&x] { k::mul_acc(x.fa, x.fb, x.fy); },
               [&x] { k::scalar::mul_acc(x.fa, x.fb, x.fy); }});
  return c;
}

void run(benchmark::State& state, const kernel_fn& fn, std::int64_t target) {
  std::optional<test::scoped_target> forced;
  if (target != 0) forced.emplace(target);
  for (auto _ : state) {
    fn();
    benchmark::ClobberMemory();
  }
  state.counters["samples"] = static_cast<double>(frame);
}

void register_all() {
  std::vector<std::int64_t> simd_targets;
  for (const std::int64_t t : test::compiled_targets())
    if (test::cpu_supports(t) && t != HWY_SCALAR && t != HWY_EMU128) simd_targets.push_back(t);
  static const std::vector<kernel_case> all = cases();
  for (const kernel_case& kc : all) {
    const std::string base = std::string(kc.name) + "/";
    benchmark::RegisterBenchmark((base + "scalar").c_str(),
                                 [&kc](benchmark::State& s) { run(s, kc.ref, 0); });
    for (const std::int64_t t : simd_targets)
      benchmark::RegisterBenchmark((base + test::target_param_name(t)).c_str(),
                                   [&kc, t](benchmark::State& s) { run(s, kc.simd, t); });
  }
}

}  // namespace

int main(int argc, char** argv) {
  register_all();
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
