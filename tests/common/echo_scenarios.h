// SPDX-License-Identifier: BSD-3-Clause
// Seeded echo-canceller test scenarios (speech far end, delayed echo paths, noise, double talk) and their measures.
//
// Every component of the near-end signal is kept apart (echo, noise, near-end
// speech), so the measures can use the true echo instead of guessing it:
//   ERLE = 10 log10(echo power in / residual echo power out), where the residual
//   echo is the output minus the near-end component the canceller passed. That
//   component is found by a least-squares FIR fit of the output on the clean near
//   end (noise + near speech; both independent of the far end), which credits a
//   canceller for linear pre-filtering of its input (speexdsp applies a DC notch)
//   and is the identity for ours.
// Echo paths follow the ideas of ITU-T G.168 (2015) §6 and Annex D: a bulk delay,
// then either a decaying random room response or a dispersive, band-limited
// line-hybrid response, scaled to a chosen echo return loss (ERL).
#pragma once

#include <cstdint>
#include <functional>
#include <random>
#include <span>
#include <string>
#include <utility>
#include <vector>

namespace test {

enum class echo_path_kind { room, hybrid };

struct echo_scenario_config {
  unsigned seed = 1;
  double seconds = 20.0;
  int delay_ms = 40;                 // bulk delay far -> echo
  echo_path_kind path = echo_path_kind::room;
  int path_ms = 64;                  // room: response length (decay to -60 dB); hybrid: ignored (~16 ms)
  float erl_db = 10.0f;              // echo return loss of the path for white input
  float noise_dbfs = -45.0f;         // white near-end noise
  bool double_talk = false;          // near-end speech over the far end at 30..38 % and 75..83 % of the run
  float near_speech_dbfs = -26.0f;   // active level of the near-end talker (P.56 nominal -26 dBov)
  bool path_change = false;          // a different path (same kind) from the middle on
  std::string name() const;
};

struct echo_scenario {
  echo_scenario_config cfg;
  std::vector<std::int16_t> far;       // reference sent toward the endpoint
  std::vector<std::int16_t> near;      // what comes back: echo + noise + near speech (saturated)
  std::vector<float> echo;             // the echo component of near
  std::vector<float> near_clean;       // noise + near speech (what a perfect canceller outputs)
  std::vector<float> near_speech;      // near-end speech alone
  std::size_t change_sample = 0;       // first sample of the second path (0 when none)
};

echo_scenario make_echo_scenario(const echo_scenario_config& cfg);

// The pieces make_echo_scenario is built from, shared with the gateway's e2e call
// generator (tests/e2e/echo_capgen.h) so both use the same echo models.
// An echo path drawn from rng: room (path_ms long) or line hybrid (16 ms), scaled to erl_db.
std::vector<double> make_echo_path(std::mt19937& rng, echo_path_kind kind, int path_ms, double erl_db);
// echo[t] = sum_j h[j] far[t - delay - j] for t in [from, to).
void add_echo(std::span<const std::int16_t> far, std::span<const double> h, std::size_t delay, std::size_t from,
              std::size_t to, std::span<float> echo);
// Near-end talker (speech_corpus_8k(seed), at active level near_dbfs) over the given
// [start, end) fractions of total samples, with 10 ms raised-cosine fades; zero elsewhere.
std::vector<float> near_talk(unsigned seed, std::size_t total, double near_dbfs,
                             std::span<const std::pair<double, double>> segments);
// near_clean = white noise at noise_dbfs (from rng) + near_speech; near = echo +
// near_clean rounded and saturated to 16 bits.
void mix_near(std::mt19937& rng, double noise_dbfs, std::span<const float> echo, std::span<const float> near_speech,
              std::vector<float>& near_clean, std::vector<std::int16_t>& near);

// Runs fn(near, far, out) over consecutive frames; the tail shorter than a frame is dropped.
using frame_fn = std::function<void(std::span<const std::int16_t>, std::span<const std::int16_t>,
                                    std::span<std::int16_t>)>;
std::vector<std::int16_t> run_frames(const echo_scenario& s, int frame_samples, const frame_fn& fn);

struct echo_measures {
  double erle_steady_db = 0;       // far-only 20 ms blocks, 4 s into each path until its end
  double erle_first_db = 0;        // same, first path only
  double erle_second_db = 0;       // same, second path only (path_change)
  double time_to_20db_s = -1;      // seconds of active far end until the 200 ms ERLE first reaches 20 dB (-1: never)
  double recovery_s = -1;          // same, counted from the path change (-1: never / no change)
  double dt_level_change_db = 0;   // output vs clean near end over double-talk blocks (negative = attenuated)
  double dt_seg_snr_db = 0;        // segmental SNR of the near-end component in double talk
  double noise_in_dbfs = 0;        // near-end noise level
  double out_far_only_dbfs = 0;    // output level in far-only blocks (residual + comfort noise)
  double out_idle_dbfs = 0;        // output level with neither far nor near speech
  // ERLE over the far-only blocks of each consecutive 2 s window (windows without such
  // blocks are left out): shows whether a converged canceller holds its ERLE through
  // double talk and delay-estimate jitter in a long call.
  struct window {
    double start_s = 0, erle_db = 0;
  };
  std::vector<window> windows;
};

echo_measures measure(const echo_scenario& s, std::span<const std::int16_t> out);

// What the scenario physically allows a linear canceller with tail_samples taps: the
// steady ERLE (same blocks and windows as measure()) of the least-squares estimate
// from all far-end-active samples since the path started, whose expected excess error
// is noise * L / (T - L - 1) for L taps and T samples (growing-window RLS, S. Haykin,
// Adaptive Filter Theory, 4th ed., 2002, §9.7). Near-end noise only: double talk and
// tracking make the real bound lower. An adaptive filter that forgets (to track path
// changes) stays below it.
struct echo_bound {
  double erle_first_db = 0, erle_second_db = 0;
};
echo_bound least_squares_bound(const echo_scenario& s, int tail_samples);

// The scenario set of the quality report and tests: a scenario and the tail both
// cancellers get (speexdsp's filter length = tail, ours = tail after the bulk delay).
struct aec_case {
  echo_scenario_config scenario;
  int tail_ms;
};
std::vector<aec_case> aec_report_cases();

// The seed sweep of the quality report and tests: five path kinds (rooms of 64 / 48 /
// 32 ms, hybrids with ERL 6 and 20 dB), each run with `seeds` seeds (speech, path and
// noise differ, the bulk delay grows 3 ms per seed), double talk and a path change in
// every run, so that means and worst cases can be read next to the single scenarios.
struct aec_sweep_kind {
  std::string name;
  std::vector<aec_case> cases;
};
std::vector<aec_sweep_kind> aec_seed_sweep(int seeds);

}  // namespace test
