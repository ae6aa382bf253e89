// SPDX-License-Identifier: BSD-3-Clause
// Cost per 160-sample frame of the echo cancellers (basic, advanced) and speexdsp at 64/128/256 ms tails.
//
// Input: 2 s of white far end at -20 dBFS, echo through a short path 40 ms later plus
// -50 dBFS noise, looped; the filters are warmed up on it for 8 s before timing (steady
// state: adapting every frame, the delay search running, the advanced canceller's 4 s
// start phase of per-tap updates over). BM_aec_advanced_start times that start phase
// instead: the first 4 s of each call (the canceller is reset every 200 frames).
#include <benchmark/benchmark.h>

#include <algorithm>

#include <cmath>
#include <cstdint>
#include <random>
#include <vector>

#include "dsp/aec.h"
#include "tests/common/speex_aec_peer.h"

namespace {

constexpr int frame = 160;

struct signal {
  std::vector<std::int16_t> far, near;
};

const signal& input() {
  static const signal s = [] {
    signal r;
    std::mt19937 rng(1);
    std::normal_distribution<float> g(0.0f, 1.0f);
    const std::size_t n = 16000;
    r.far.resize(n);
    r.near.resize(n);
    for (auto& v : r.far) v = static_cast<std::int16_t>(std::lrint(3276.0f * g(rng)));
    for (std::size_t t = 0; t < n; ++t) {
      const float e = t >= 320 ? 0.4f * r.far[t - 320] - 0.2f * (t >= 330 ? r.far[t - 330] : 0) : 0.0f;
      r.near[t] = static_cast<std::int16_t>(std::lrint(e + 100.0f * g(rng)));
    }
    return r;
  }();
  return s;
}

// Frames per second and the time per frame, from the iterations (one frame each).
void count_frames(benchmark::State& state) {
  state.SetItemsProcessed(state.iterations());
  state.counters["ns_per_frame"] = benchmark::Counter(static_cast<double>(state.iterations()),
                                                      benchmark::Counter::kIsRate | benchmark::Counter::kInvert);
}

template <class F>
void loop(benchmark::State& state, F&& process) {
  const auto& s = input();
  std::vector<std::int16_t> out(frame);
  std::size_t t = 0;
  auto step = [&] {
    process(std::span(s.near).subspan(t, frame), std::span(s.far).subspan(t, frame), std::span(out));
    t = (t + frame) % s.near.size();
  };
  for (int i = 0; i < 400; ++i) step();  // warm up: converged, delay found, start phase over
  for (auto _ : state) {
    step();
    benchmark::DoNotOptimize(out.data());
  }
  count_frames(state);
}

void run_ours(benchmark::State& state, dsp::grade g, bool delay) {
  dsp::aec_config cfg;
  cfg.mode = g;
  cfg.tail_ms = static_cast<int>(state.range(0));
  cfg.delay_estimation = delay;
  auto aec = dsp::make_echo_canceller(cfg);
  loop(state, [&](auto n, auto f, auto o) { aec->process(n, f, o); });
}

void BM_aec_basic(benchmark::State& state) { run_ours(state, dsp::grade::basic, false); }
void BM_aec_advanced(benchmark::State& state) { run_ours(state, dsp::grade::advanced, true); }
void BM_aec_advanced_no_delay_search(benchmark::State& state) { run_ours(state, dsp::grade::advanced, false); }

void BM_aec_advanced_start(benchmark::State& state) {
  dsp::aec_config cfg;
  cfg.mode = dsp::grade::advanced;
  cfg.tail_ms = static_cast<int>(state.range(0));
  auto aec = dsp::make_echo_canceller(cfg);
  const auto& s = input();
  std::vector<std::int16_t> out(frame);
  constexpr std::size_t call_frames = 200;  // 4 s: the start phase (far end active throughout)
  std::size_t i = 0;
  for (auto _ : state) {
    if (i == call_frames) {
      state.PauseTiming();
      aec->reset();
      i = 0;
      state.ResumeTiming();
    }
    const std::size_t t = i++ * frame % s.near.size();
    aec->process(std::span(s.near).subspan(t, frame), std::span(s.far).subspan(t, frame), std::span(out));
    benchmark::DoNotOptimize(out.data());
  }
  count_frames(state);
}

void BM_speexdsp_echo(benchmark::State& state) {
  test::speex_aec_peer p(frame, static_cast<int>(state.range(0)) * 8, false);
  loop(state, [&](auto n, auto f, auto o) { p.process(n, f, o); });
}
void BM_speexdsp_echo_preprocess(benchmark::State& state) {
  test::speex_aec_peer p(frame, static_cast<int>(state.range(0)) * 8, true);
  loop(state, [&](auto n, auto f, auto o) { p.process(n, f, o); });
}

// Tails 64/128/256 ms. With --benchmark_repetitions the minimum is reported next to
// mean/median/stddev: on a shared machine other load only ever adds time, so the
// minimum over repetitions is the least disturbed estimate of the cost.
void tails(benchmark::internal::Benchmark* b) {
  b->Arg(64)->Arg(128)->Arg(256)->ComputeStatistics(
      "min", [](const std::vector<double>& v) { return *std::min_element(v.begin(), v.end()); });
}

BENCHMARK(BM_aec_basic)->Apply(tails);
BENCHMARK(BM_aec_advanced)->Apply(tails);
BENCHMARK(BM_aec_advanced_no_delay_search)->Apply(tails);
BENCHMARK(BM_aec_advanced_start)->Apply(tails);
BENCHMARK(BM_speexdsp_echo)->Apply(tails);
BENCHMARK(BM_speexdsp_echo_preprocess)->Apply(tails);

}  // namespace

BENCHMARK_MAIN();
