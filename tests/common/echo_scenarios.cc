// SPDX-License-Identifier: BSD-3-Clause
// Echo scenario generation (paths, noise, double talk) and ERLE / double-talk / noise measures.
#include "tests/common/echo_scenarios.h"

#include <algorithm>
#include <cmath>
#include <numbers>
#include <random>
#include <stdexcept>

#include "tests/common/speech_source.h"

namespace test {
namespace {

constexpr double fs = 8000.0;
constexpr double full_scale_sq = 32768.0 * 32768.0;
constexpr std::size_t block = 160;  // 20 ms measurement blocks

double dbfs(double power) { return 10.0 * std::log10(std::max(power, 1e-12) / full_scale_sq); }

// Scales h so that its energy (the power gain for white input) is -erl_db.
void set_erl(std::vector<double>& h, double erl_db) {
  double e = 0;
  for (double v : h) e += v * v;
  const double g = std::sqrt(std::pow(10.0, -erl_db / 10.0) / e);
  for (double& v : h) v *= g;
}

// Room: direct path, a few sparse early reflections, then an exponentially decaying
// diffuse tail reaching -60 dB at the response length (the T60 definition).
std::vector<double> room_path(std::mt19937& rng, int path_ms, double erl_db) {
  const auto len = static_cast<std::size_t>(path_ms * 8);
  std::normal_distribution<double> gauss(0.0, 1.0);
  std::uniform_real_distribution<double> uni(0.0, 1.0);
  std::vector<double> h(len, 0.0);
  const double tau = static_cast<double>(len) / std::log(1000.0);
  for (std::size_t i = 0; i < len; ++i) h[i] = 0.35 * gauss(rng) * std::exp(-static_cast<double>(i) / tau);
  const std::size_t direct = static_cast<std::size_t>(uni(rng) * 8.0);  // within 1 ms
  h[direct] += 1.0;
  for (int r = 0; r < 6; ++r) {
    const auto at = direct + 8 + static_cast<std::size_t>(uni(rng) * 0.2 * static_cast<double>(len));
    if (at < len) h[at] += (uni(rng) < 0.5 ? -1.0 : 1.0) * (0.3 + 0.4 * uni(rng));
  }
  set_erl(h, erl_db);
  return h;
}

// RBJ biquad (R. Bristow-Johnson, "Cookbook formulae for audio EQ biquad filter coefficients").
struct biquad {
  double b0, b1, b2, a1, a2, z1 = 0, z2 = 0;
  double step(double x) {
    const double y = b0 * x + z1;
    z1 = b1 * x - a1 * y + z2;
    z2 = b2 * x - a2 * y;
    return y;
  }
};
biquad rbj(bool highpass, double f0, double q) {
  const double w = 2.0 * std::numbers::pi * f0 / fs, c = std::cos(w), al = std::sin(w) / (2.0 * q);
  const double a0 = 1.0 + al;
  if (highpass) return {(1 + c) / 2 / a0, -(1 + c) / a0, (1 + c) / 2 / a0, -2 * c / a0, (1 - al) / a0};
  return {(1 - c) / 2 / a0, (1 - c) / a0, (1 - c) / 2 / a0, -2 * c / a0, (1 - al) / a0};
}

// Line hybrid: a 2-4 wire hybrid's echo is the line's impedance mismatch seen through
// the telephone band: band-pass (~200..3400 Hz, ITU-T G.712 channel), dispersive
// (phase non-linearity from the line: all-pass sections), short (G.168 Annex D's
// models last 2..12 ms; 16 ms here), ERL 6..20 dB (G.168 §6.4.2 test range).
std::vector<double> hybrid_path(std::mt19937& rng, double erl_db) {
  std::uniform_real_distribution<double> uni(0.0, 1.0);
  const std::size_t len = 128;
  auto hp = rbj(true, 180.0 + 150.0 * uni(rng), 0.707 + 0.3 * uni(rng));
  auto lp = rbj(false, 3100.0 + 400.0 * uni(rng), 0.707 + 0.4 * uni(rng));
  const double ap1 = -0.7 + 1.4 * uni(rng), ap2 = -0.7 + 1.4 * uni(rng);
  double s1x = 0, s1y = 0, s2x = 0, s2y = 0;
  const std::size_t pre = static_cast<std::size_t>(uni(rng) * 24.0);  // up to 3 ms of flat delay
  std::vector<double> h(len, 0.0);
  for (std::size_t i = 0; i < len; ++i) {
    double x = i == pre ? 1.0 : 0.0;
    x = hp.step(lp.step(x));
    const double y1 = ap1 * x + s1x - ap1 * s1y;  // first-order all-pass (a + z^-1)/(1 + a z^-1)
    s1x = x;
    s1y = y1;
    const double y2 = ap2 * y1 + s2x - ap2 * s2y;
    s2x = y1;
    s2y = y2;
    h[i] = y2;
  }
  for (std::size_t i = len * 3 / 4; i < len; ++i)  // taper the truncation
    h[i] *= 0.5 + 0.5 * std::cos(std::numbers::pi * static_cast<double>(i - len * 3 / 4) / static_cast<double>(len / 4));
  if (uni(rng) < 0.5)
    for (double& v : h) v = -v;
  set_erl(h, erl_db);
  return h;
}



// Least-squares FIR (taps, causal) mapping x to y: Toeplitz normal equations, Gaussian elimination.
std::vector<double> ls_fit(std::span<const float> x, std::span<const std::int16_t> y, std::size_t taps) {
  const std::size_t n = std::min(x.size(), y.size());
  std::vector<double> r(taps, 0.0), p(taps, 0.0);
  for (std::size_t k = 0; k < taps; ++k) {
    double a = 0, b = 0;
    for (std::size_t i = k; i < n; ++i) {
      a += static_cast<double>(x[i]) * x[i - k];
      b += static_cast<double>(y[i]) * x[i - k];
    }
    r[k] = a;
    p[k] = b;
  }
  std::vector<double> m(taps * taps);
  for (std::size_t i = 0; i < taps; ++i)
    for (std::size_t j = 0; j < taps; ++j) m[i * taps + j] = r[i > j ? i - j : j - i];
  for (std::size_t i = 0; i < taps; ++i) m[i * taps + i] *= 1.0 + 1e-9;
  for (std::size_t c = 0; c < taps; ++c) {
    for (std::size_t rr = c + 1; rr < taps; ++rr) {
      const double f = m[rr * taps + c] / m[c * taps + c];
      for (std::size_t k = c; k < taps; ++k) m[rr * taps + k] -= f * m[c * taps + k];
      p[rr] -= f * p[c];
    }
  }
  std::vector<double> g(taps, 0.0);
  for (std::size_t c = taps; c-- > 0;) {
    double s = p[c];
    for (std::size_t k = c + 1; k < taps; ++k) s -= m[c * taps + k] * g[k];
    g[c] = s / m[c * taps + c];
  }
  return g;
}

}  // namespace

std::vector<double> make_echo_path(std::mt19937& rng, echo_path_kind kind, int path_ms, double erl_db) {
  return kind == echo_path_kind::room ? room_path(rng, path_ms, erl_db) : hybrid_path(rng, erl_db);
}

void add_echo(std::span<const std::int16_t> far, std::span<const double> h, std::size_t delay, std::size_t from,
              std::size_t to, std::span<float> echo) {
  for (std::size_t t = from; t < to; ++t) {
    double acc = 0;
    for (std::size_t j = 0; j < h.size(); ++j) {
      if (t < delay + j) break;
      acc += h[j] * far[t - delay - j];
    }
    echo[t] = static_cast<float>(acc);
  }
}

std::vector<float> near_talk(unsigned seed, std::size_t total, double near_dbfs,
                             std::span<const std::pair<double, double>> segments) {
  std::vector<float> out(total, 0.0f);
  const auto talk = speech_corpus_8k(seed, static_cast<double>(total) / fs);
  const double g = std::pow(10.0, (near_dbfs + 26.0) / 20.0);  // the corpus is about -26 dBFS active
  const std::size_t fade = 80;                                  // 10 ms raised-cosine ramps
  for (auto [a, b] : segments) {
    const auto from = static_cast<std::size_t>(a * static_cast<double>(total));
    const auto to = static_cast<std::size_t>(b * static_cast<double>(total));
    for (std::size_t t = from; t < to; ++t) {
      double w = 1.0;
      if (t - from < fade) w = 0.5 - 0.5 * std::cos(std::numbers::pi * static_cast<double>(t - from) / fade);
      if (to - t <= fade) w = 0.5 - 0.5 * std::cos(std::numbers::pi * static_cast<double>(to - t) / fade);
      out[t] = static_cast<float>(g * w * talk[t]);
    }
  }
  return out;
}

void mix_near(std::mt19937& rng, double noise_dbfs, std::span<const float> echo, std::span<const float> near_speech,
              std::vector<float>& near_clean, std::vector<std::int16_t>& near) {
  std::normal_distribution<double> gauss(0.0, 1.0);
  const double noise_rms = std::pow(10.0, noise_dbfs / 20.0) * 32768.0;
  near_clean.resize(echo.size());
  near.resize(echo.size());
  for (std::size_t t = 0; t < echo.size(); ++t) {
    near_clean[t] = static_cast<float>(noise_rms * gauss(rng)) + near_speech[t];
    const double v = std::round(static_cast<double>(echo[t]) + near_clean[t]);
    near[t] = static_cast<std::int16_t>(std::clamp(v, -32768.0, 32767.0));
  }
}

std::string echo_scenario_config::name() const {
  std::string s = path == echo_path_kind::room ? "room" + std::to_string(path_ms) + "ms" : std::string("hybrid");
  s += " d" + std::to_string(delay_ms) + "ms erl" + std::to_string(static_cast<int>(erl_db)) + " n" +
       std::to_string(static_cast<int>(noise_dbfs));
  if (double_talk) s += " dt";
  if (path_change) s += " chg";
  return s;
}

echo_scenario make_echo_scenario(const echo_scenario_config& cfg) {
  echo_scenario s;
  s.cfg = cfg;
  const auto total = static_cast<std::size_t>(std::llround(cfg.seconds * fs));
  s.far = speech_corpus_8k(cfg.seed, cfg.seconds);
  std::mt19937 rng(cfg.seed * 7919u + 17u);
  const auto h1 = make_echo_path(rng, cfg.path, cfg.path_ms, cfg.erl_db);
  const auto h2 = make_echo_path(rng, cfg.path, cfg.path_ms, cfg.erl_db);
  s.change_sample = cfg.path_change ? total / 2 : 0;
  const auto delay = static_cast<std::size_t>(cfg.delay_ms * 8);
  s.echo.assign(total, 0.0f);
  const std::size_t change = cfg.path_change ? s.change_sample : total;
  add_echo(s.far, h1, delay, 0, change, s.echo);
  add_echo(s.far, h2, delay, change, total, s.echo);
  const std::pair<double, double> talk[] = {{0.30, 0.38}, {0.75, 0.83}};
  s.near_speech = cfg.double_talk ? near_talk(cfg.seed + 7777u, total, cfg.near_speech_dbfs, talk)
                                  : std::vector<float>(total, 0.0f);
  mix_near(rng, cfg.noise_dbfs, s.echo, s.near_speech, s.near_clean, s.near);
  return s;
}

std::vector<std::int16_t> run_frames(const echo_scenario& s, int frame_samples, const frame_fn& fn) {
  const auto n = static_cast<std::size_t>(frame_samples);
  std::vector<std::int16_t> out(s.near.size() / n * n);
  for (std::size_t t = 0; t + n <= s.near.size(); t += n)
    fn(std::span(s.near).subspan(t, n), std::span(s.far).subspan(t, n), std::span(out).subspan(t, n));
  return out;
}

echo_measures measure(const echo_scenario& s, std::span<const std::int16_t> out) {
  const std::size_t total = out.size();
  const std::size_t blocks = total / block;
  if (blocks == 0) throw std::invalid_argument("measure: output shorter than one block");
  // The near-end component the canceller passed, and the residual echo.
  const auto g = ls_fit(s.near_clean, out, 32);
  std::vector<float> comp(total), resid(total);
  for (std::size_t t = 0; t < total; ++t) {
    double acc = 0;
    for (std::size_t j = 0; j < g.size() && j <= t; ++j) acc += g[j] * s.near_clean[t - j];
    comp[t] = static_cast<float>(acc);
    resid[t] = static_cast<float>(out[t] - acc);
  }
  auto bpow = [&](auto const& v, std::size_t b) {
    double a = 0;
    for (std::size_t i = b * block; i < (b + 1) * block; ++i) a += static_cast<double>(v[i]) * v[i];
    return a / block;
  };
  std::vector<double> pe(blocks), pr(blocks), ps(blocks), po(blocks), pc(blocks), pn(blocks);
  double echo_mean = 0, speech_max = 0;
  for (std::size_t b = 0; b < blocks; ++b) {
    pe[b] = bpow(s.echo, b);
    pr[b] = bpow(resid, b);
    ps[b] = bpow(s.near_speech, b);
    po[b] = bpow(out, b);
    pc[b] = bpow(s.near_clean, b);
    pn[b] = 0;
    for (std::size_t i = b * block; i < (b + 1) * block; ++i) {
      const double nv = static_cast<double>(s.near_clean[i]) - s.near_speech[i];
      pn[b] += nv * nv;
    }
    pn[b] /= block;
    echo_mean += pe[b];
    speech_max = std::max(speech_max, ps[b]);
  }
  echo_mean /= static_cast<double>(blocks);
  double noise_mean = 0;
  for (double v : pn) noise_mean += v;
  noise_mean /= static_cast<double>(blocks);
  auto echo_active = [&](std::size_t b) { return pe[b] > 0.1 * echo_mean; };
  auto near_talks = [&](std::size_t b) { return ps[b] > 1e-6; };

  echo_measures m;
  m.noise_in_dbfs = dbfs(noise_mean);
  const std::size_t change_b = s.change_sample / block;
  const std::size_t settle_b = static_cast<std::size_t>(4.0 * fs) / block;
  auto steady = [&](std::size_t from, std::size_t to) {
    double e = 0, r = 0;
    for (std::size_t b = from + settle_b; b < to; ++b)
      if (echo_active(b) && !near_talks(b)) {
        e += pe[b];
        r += pr[b];
      }
    return e > 0 ? 10.0 * std::log10(e / std::max(r, 1e-9)) : 0.0;
  };
  auto time_to = [&](std::size_t from, std::size_t to) {
    double seconds = 0;
    std::vector<std::size_t> win;
    for (std::size_t b = from; b < to; ++b) {
      if (!echo_active(b)) continue;
      seconds += static_cast<double>(block) / fs;
      if (near_talks(b)) continue;
      win.push_back(b);
      if (win.size() > 10) win.erase(win.begin());
      if (win.size() < 10) continue;
      double e = 0, r = 0;
      for (auto w : win) {
        e += pe[w];
        r += pr[w];
      }
      if (e >= 100.0 * r) return seconds;
    }
    return -1.0;
  };
  const std::size_t first_end = s.cfg.path_change ? change_b : blocks;
  m.erle_first_db = steady(0, first_end);
  m.time_to_20db_s = time_to(0, first_end);
  m.erle_steady_db = m.erle_first_db;
  if (s.cfg.path_change) {
    m.erle_second_db = steady(change_b, blocks);
    m.recovery_s = time_to(change_b, blocks);
    m.erle_steady_db = std::min(m.erle_first_db, m.erle_second_db);
  }
  const std::size_t window_b = static_cast<std::size_t>(2.0 * fs) / block;
  for (std::size_t w = 0; w + window_b <= blocks; w += window_b) {
    double e = 0, r = 0;
    for (std::size_t b = w; b < w + window_b; ++b)
      if (echo_active(b) && !near_talks(b)) {
        e += pe[b];
        r += pr[b];
      }
    if (e > 0)
      m.windows.push_back({static_cast<double>(w * block) / fs, 10.0 * std::log10(e / std::max(r, 1e-9))});
  }
  double so = 0, sc = 0, seg = 0;
  int nseg = 0;
  for (std::size_t b = 0; b < blocks; ++b) {
    if (!(echo_active(b) && ps[b] > 0.03 * speech_max)) continue;
    so += po[b];
    sc += pc[b];
    double nc = 0, err = 0;
    for (std::size_t i = b * block; i < (b + 1) * block; ++i) {
      nc += static_cast<double>(comp[i]) * comp[i];
      const double d = out[i] - static_cast<double>(comp[i]);
      err += d * d;
    }
    seg += std::clamp(10.0 * std::log10(nc / std::max(err, 1e-9)), -10.0, 35.0);
    ++nseg;
  }
  if (nseg > 0) {
    m.dt_level_change_db = 10.0 * std::log10(so / sc);
    m.dt_seg_snr_db = seg / nseg;
  }
  double ofo = 0, oid = 0;
  std::size_t nfo = 0, nid = 0;
  for (std::size_t b = settle_b; b < blocks; ++b) {
    if (near_talks(b)) continue;
    if (echo_active(b)) {
      ofo += po[b];
      ++nfo;
    } else if (pe[b] < 0.01 * noise_mean) {
      oid += po[b];
      ++nid;
    }
  }
  m.out_far_only_dbfs = nfo ? dbfs(ofo / static_cast<double>(nfo)) : 0;
  m.out_idle_dbfs = nid ? dbfs(oid / static_cast<double>(nid)) : 0;
  return m;
}

echo_bound least_squares_bound(const echo_scenario& s, int tail_samples) {
  const std::size_t blocks = s.near.size() / block;
  std::vector<double> pe(blocks), ps(blocks);
  double echo_mean = 0, noise_mean = 0;
  for (std::size_t b = 0; b < blocks; ++b) {
    for (std::size_t i = b * block; i < (b + 1) * block; ++i) {
      pe[b] += static_cast<double>(s.echo[i]) * s.echo[i];
      ps[b] += static_cast<double>(s.near_speech[i]) * s.near_speech[i];
      const double nv = static_cast<double>(s.near_clean[i]) - s.near_speech[i];
      noise_mean += nv * nv;
    }
    pe[b] /= block;
    ps[b] /= block;
    echo_mean += pe[b];
  }
  echo_mean /= static_cast<double>(blocks);
  noise_mean /= static_cast<double>(blocks * block);
  const auto taps = static_cast<double>(tail_samples);
  const std::size_t settle_b = static_cast<std::size_t>(4.0 * fs) / block;
  auto steady = [&](std::size_t from, std::size_t to) {
    double t = 0, e = 0, r = 0;
    for (std::size_t b = from; b < to; ++b) {
      if (!(pe[b] > 0.1 * echo_mean)) continue;  // measure()'s echo_active
      t += static_cast<double>(block);
      if (b < from + settle_b || ps[b] > 1e-6) continue;
      e += pe[b];
      r += t > taps + 1.0 ? noise_mean * taps / (t - taps - 1.0) : pe[b];
    }
    return e > 0 ? 10.0 * std::log10(e / std::max(r, 1e-9)) : 0.0;
  };
  echo_bound out;
  const std::size_t change_b = s.change_sample / block;
  out.erle_first_db = steady(0, s.cfg.path_change ? change_b : blocks);
  if (s.cfg.path_change) out.erle_second_db = steady(change_b, blocks);
  return out;
}

std::vector<aec_case> aec_report_cases() {
  using k = echo_path_kind;
  return {
      {{.seed = 1, .delay_ms = 20, .path = k::hybrid, .erl_db = 6, .noise_dbfs = -50}, 64},
      {{.seed = 11, .delay_ms = 8, .path = k::hybrid, .erl_db = 20, .noise_dbfs = -50}, 64},
      {{.seed = 2, .delay_ms = 120, .path = k::hybrid, .erl_db = 12, .noise_dbfs = -40}, 64},
      {{.seed = 9, .delay_ms = 24, .path = k::room, .path_ms = 32, .erl_db = 6, .noise_dbfs = -50}, 64},
      {{.seed = 3, .delay_ms = 8, .path = k::room, .path_ms = 48, .erl_db = 6, .noise_dbfs = -45}, 64},
      {{.seed = 4, .delay_ms = 40, .path = k::room, .path_ms = 96, .erl_db = 10, .noise_dbfs = -45}, 128},
      {{.seed = 5, .delay_ms = 0, .path = k::room, .path_ms = 128, .erl_db = 6, .noise_dbfs = -50}, 256},
      {{.seed = 10, .delay_ms = 200, .path = k::room, .path_ms = 64, .erl_db = 6, .noise_dbfs = -50, .double_talk = true}, 128},
      {{.seed = 6, .delay_ms = 16, .path = k::room, .path_ms = 64, .erl_db = 6, .noise_dbfs = -45, .double_talk = true, .path_change = true}, 128},
      {{.seed = 8, .delay_ms = 60, .path = k::hybrid, .erl_db = 6, .noise_dbfs = -50, .double_talk = true, .path_change = true}, 64},
      {{.seed = 7, .delay_ms = 300, .path = k::hybrid, .erl_db = 10, .noise_dbfs = -35, .double_talk = true, .path_change = true}, 64},
  };
}

std::vector<aec_sweep_kind> aec_seed_sweep(int seeds) {
  using k = echo_path_kind;
  struct kind {
    const char* name;
    k path;
    int path_ms;
    float erl_db, noise_dbfs;
    int delay_ms, tail_ms;
  };
  const kind kinds[] = {{"room 64 ms, ERL 6, noise -45", k::room, 64, 6, -45, 16, 128},
                        {"room 48 ms, ERL 6, noise -45", k::room, 48, 6, -45, 8, 64},
                        {"room 32 ms, ERL 6, noise -50", k::room, 32, 6, -50, 24, 64},
                        {"hybrid, ERL 6, noise -50", k::hybrid, 16, 6, -50, 20, 64},
                        {"hybrid, ERL 20, noise -60", k::hybrid, 16, 20, -60, 30, 64}};
  std::vector<aec_sweep_kind> r;
  for (const auto& kd : kinds) {
    aec_sweep_kind out{kd.name, {}};
    for (int sd = 0; sd < seeds; ++sd)
      out.cases.push_back({{.seed = 100u + 7u * static_cast<unsigned>(sd), .delay_ms = kd.delay_ms + 3 * sd,
                            .path = kd.path, .path_ms = kd.path_ms, .erl_db = kd.erl_db, .noise_dbfs = kd.noise_dbfs,
                            .double_talk = true, .path_change = true},
                           kd.tail_ms});
    r.push_back(std::move(out));
  }
  return r;
}

}  // namespace test
