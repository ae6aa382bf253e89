// SPDX-License-Identifier: BSD-3-Clause
// Cost per frame of the VADs, AGCs, their parts and the chain, beside WebRTC's VAD and speexdsp's preprocessor on the same frames.
//
// Frames: 10 s of speech_corpus_8k(seed 1) mixed with pink noise at 10 dB SNR,
// cycled. Numbers go to the README, never into tests.
#include <benchmark/benchmark.h>

#include <cstdint>
#include <vector>

#include "dsp/agc_advanced.h"
#include "dsp/agc_basic.h"
#include "dsp/chain.h"
#include "dsp/crossover.h"
#include "dsp/limiter.h"
#include "dsp/vad_advanced.h"
#include "dsp/vad_basic.h"
#include "tests/common/peers/speex_preprocess.h"
#include "tests/common/peers/webrtc_vad.h"
#include "tests/common/speech_source.h"
#include "tests/common/test_signals.h"

namespace {

const std::vector<std::int16_t>& signal() {
  static const std::vector<std::int16_t> s = [] {
    const auto clean = test::speech_corpus_8k(1, 10.0);
    return test::mix_at_snr(clean, test::pink_noise(7, clean.size(), -30.0), 10.0);
  }();
  return s;
}

// Walks the signal frame by frame; copies each frame into `out` (processors that
// work in place get fresh input every iteration).
struct frame_cursor {
  std::size_t len, pos = 0;
  std::span<const std::int16_t> next() {
    const auto& s = signal();
    if (pos + len > s.size()) pos = 0;
    const auto f = std::span<const std::int16_t>(s).subspan(pos, len);
    pos += len;
    return f;
  }
};

void set_rate(benchmark::State& st, std::size_t len) {
  st.SetItemsProcessed(static_cast<std::int64_t>(st.iterations()));
  st.counters["ns_per_frame"] = benchmark::Counter(static_cast<double>(st.iterations()),
                                                   benchmark::Counter::kIsRate | benchmark::Counter::kInvert);
  st.SetLabel(std::to_string(len) + "-sample frames");
}

void BM_vad_basic(benchmark::State& st) {
  const auto len = static_cast<std::size_t>(st.range(0));
  dsp::vad_basic v{dsp::vad_basic_config{}};
  frame_cursor c{len};
  for (auto _ : st) benchmark::DoNotOptimize(v.process(c.next()));
  set_rate(st, len);
}
BENCHMARK(BM_vad_basic)->Arg(160);

void BM_vad_advanced(benchmark::State& st) {
  const auto len = static_cast<std::size_t>(st.range(0));
  dsp::vad_advanced v{dsp::vad_advanced_config{}};
  frame_cursor c{len};
  for (auto _ : st) benchmark::DoNotOptimize(v.process(c.next()));
  set_rate(st, len);
}
BENCHMARK(BM_vad_advanced)->Arg(80)->Arg(160)->Arg(480);

template <class Agc, class Cfg>
void agc_bench(benchmark::State& st) {
  const auto len = static_cast<std::size_t>(st.range(0));
  Agc a{Cfg{}};
  frame_cursor c{len};
  std::vector<std::int16_t> f(len);
  bool speech = true;
  for (auto _ : st) {
    const auto in = c.next();
    std::copy(in.begin(), in.end(), f.begin());
    benchmark::DoNotOptimize(a.process(f, speech));
    speech = !speech || (c.pos % 3 != 0);
  }
  set_rate(st, len);
}
void BM_agc_basic(benchmark::State& st) { agc_bench<dsp::agc_basic, dsp::agc_basic_config>(st); }
void BM_agc_advanced(benchmark::State& st) { agc_bench<dsp::agc_advanced, dsp::agc_advanced_config>(st); }
BENCHMARK(BM_agc_basic)->Arg(160);
BENCHMARK(BM_agc_advanced)->Arg(160)->Arg(480);

void BM_crossover3(benchmark::State& st) {
  const auto len = static_cast<std::size_t>(st.range(0));
  dsp::crossover3 x{dsp::crossover_config{}};
  frame_cursor c{len};
  std::vector<float> in(len), a(len), b(len), d(len);
  for (auto _ : st) {
    const auto f = c.next();
    for (std::size_t i = 0; i < len; ++i) in[i] = f[i];
    x.split(in, a, b, d);
    benchmark::DoNotOptimize(a.data());
  }
  set_rate(st, len);
}
BENCHMARK(BM_crossover3)->Arg(160);

void BM_limiter(benchmark::State& st) {
  const auto len = static_cast<std::size_t>(st.range(0));
  dsp::lookahead_limiter l{dsp::limiter_config{}};
  frame_cursor c{len};
  std::vector<float> buf(len);
  for (auto _ : st) {
    const auto f = c.next();
    // x4 so that peaks exceed the ceiling and the limiter works.
    for (std::size_t i = 0; i < len; ++i) buf[i] = 4.0f * f[i];
    l.process(buf);
    benchmark::DoNotOptimize(buf.data());
  }
  set_rate(st, len);
}
BENCHMARK(BM_limiter)->Arg(160);

void chain_bench(benchmark::State& st, dsp::grade aec, dsp::grade vad, dsp::grade agc) {
  const auto len = static_cast<std::size_t>(st.range(0));
  dsp::chain_config cfg;
  cfg.aec.mode = aec;
  cfg.vad.mode = vad;
  cfg.agc.mode = agc;
  cfg.frame_samples = static_cast<int>(len);
  dsp::processing_chain ch(cfg);
  frame_cursor near{len}, far{len};
  far.pos = 8000;  // a different stretch of the signal as far end
  std::vector<std::int16_t> f(len);
  for (auto _ : st) {
    const auto in = near.next();
    std::copy(in.begin(), in.end(), f.begin());
    benchmark::DoNotOptimize(ch.process(f, far.next()));
  }
  set_rate(st, len);
}
void BM_chain_vad_agc_basic(benchmark::State& st) { chain_bench(st, dsp::grade::off, dsp::grade::basic, dsp::grade::basic); }
void BM_chain_vad_agc_advanced(benchmark::State& st) {
  chain_bench(st, dsp::grade::off, dsp::grade::advanced, dsp::grade::advanced);
}
void BM_chain_all_advanced(benchmark::State& st) {
  chain_bench(st, dsp::grade::advanced, dsp::grade::advanced, dsp::grade::advanced);
}
BENCHMARK(BM_chain_vad_agc_basic)->Arg(160);
BENCHMARK(BM_chain_vad_agc_advanced)->Arg(160);
BENCHMARK(BM_chain_all_advanced)->Arg(160);

// Peers on the same frames.
void BM_webrtc_vad(benchmark::State& st) {
  test::webrtc_vad v(test::webrtc_vad_mode);
  frame_cursor c{160};
  for (auto _ : st) benchmark::DoNotOptimize(v.process(c.next()));
  set_rate(st, 160);
}
BENCHMARK(BM_webrtc_vad);

// speexdsp's preprocessor with its VAD and AGC on (its VAD needs its denoiser's
// speech probability, so denoise is on too: that is the configuration that yields
// a VAD decision and a gain).
void BM_speex_preprocess_vad_agc(benchmark::State& st) {
  test::speex_preprocessor p(160, true, true, 8000.0f, true);
  frame_cursor c{160};
  std::vector<std::int16_t> f(160);
  for (auto _ : st) {
    const auto in = c.next();
    std::copy(in.begin(), in.end(), f.begin());
    benchmark::DoNotOptimize(p.process(f));
  }
  set_rate(st, 160);
}
BENCHMARK(BM_speex_preprocess_vad_agc);

// speexdsp's AGC alone (denoise off), the configuration of the AGC quality table.
void BM_speex_preprocess_agc(benchmark::State& st) {
  test::speex_preprocessor p(160, false, true);
  frame_cursor c{160};
  std::vector<std::int16_t> f(160);
  for (auto _ : st) {
    const auto in = c.next();
    std::copy(in.begin(), in.end(), f.begin());
    benchmark::DoNotOptimize(p.process(f));
  }
  set_rate(st, 160);
}
BENCHMARK(BM_speex_preprocess_agc);

}  // namespace

BENCHMARK_MAIN();
