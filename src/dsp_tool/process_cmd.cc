// SPDX-License-Identifier: BSD-3-Clause
// voxgate-dsp process: options, the chain over whole files, and the JSON report (per-frame decisions + summary).
#include "src/dsp_tool/process_cmd.h"

#include <cmath>
#include <cstdio>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "dsp/chain.h"
#include "dsp/fft.h"
#include "dsp/processor.h"
#include "src/dsp_tool/audio_io.h"

namespace dsp_tool {

namespace {

dsp::grade parse_grade_option(const std::string& value, const char* option, bool allow_off) {
  const auto g = dsp::parse_grade(value);
  if (!g || (*g == dsp::grade::off && !allow_off))
    throw usage_error(std::string(option) + ": '" + value + "' is not one of " +
                      (allow_off ? "off, basic, advanced" : "basic, advanced"));
  return *g;
}

struct frame_record {
  bool speech;
  float probability, gain_db, erle_db;
  int delay_samples;
  bool double_talk, converged;
};

// JSON by hand: the report is flat numbers and a few strings (escaped here).
std::string json_string(const std::string& s) {
  std::string r = "\"";
  for (char c : s) {
    if (c == '"' || c == '\\') {
      r += '\\';
      r += c;
    } else if (static_cast<unsigned char>(c) < 0x20) {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\u%04x", c);
      r += buf;
    } else {
      r += c;
    }
  }
  return r + "\"";
}

void write_report(const process_options& opt, const dsp::processing_chain& chain, const std::vector<frame_record>& fr,
                  const process_summary& sum) {
  std::FILE* f = std::fopen(opt.report.c_str(), "w");
  if (f == nullptr) throw usage_error("--report: cannot write '" + opt.report + "'");
  const bool aec = chain.aec_grade() != dsp::grade::off;
  const double frame_ms = 1000.0 * opt.frame_samples / dsp::sample_rate_hz;
  std::fprintf(f, "{\n  \"input\": %s,\n  \"output\": %s,\n", json_string(opt.in).c_str(), json_string(opt.out).c_str());
  if (aec) std::fprintf(f, "  \"far\": %s,\n", json_string(opt.far).c_str());
  std::fprintf(f, "  \"frame_samples\": %d,\n  \"frame_ms\": %.1f,\n", opt.frame_samples, frame_ms);
  std::fprintf(f, "  \"chain\": {\"aec\": \"%s\", \"vad\": \"%s\", \"agc\": \"%s\", \"fallbacks\": %zu, \"latency_samples\": %d},\n",
               std::string(dsp::to_string(chain.aec_grade())).c_str(), std::string(dsp::to_string(chain.vad_grade())).c_str(),
               std::string(dsp::to_string(chain.agc_grade())).c_str(), sum.fallbacks, chain.latency_samples());
  std::fprintf(f, "  \"summary\": {\n    \"frames\": %zu,\n    \"speech_ratio\": %.4f,\n    \"mean_agc_gain_db\": %.2f", sum.frames,
               sum.speech_ratio, sum.mean_agc_gain_db);
  if (aec) {
    // ERLE over time: the AEC's smoothed ERLE sampled once per second.
    std::size_t dt = 0, conv = 0;
    for (const auto& r : fr) {
      dt += r.double_talk;
      conv += r.converged;
    }
    std::fprintf(f, ",\n    \"aec\": {\n      \"double_talk_share\": %.4f,\n      \"converged_share\": %.4f,\n",
                 fr.empty() ? 0.0 : double(dt) / double(fr.size()), fr.empty() ? 0.0 : double(conv) / double(fr.size()));
    std::fprintf(f, "      \"final_erle_db\": %.2f,\n      \"final_delay_samples\": %d,\n      \"erle_db_per_second\": [",
                 fr.empty() ? 0.0 : fr.back().erle_db, fr.empty() ? 0 : fr.back().delay_samples);
    const std::size_t per_s = static_cast<std::size_t>(std::lround(1000.0 / frame_ms));
    const char* sep = "";
    for (std::size_t i = per_s - 1; i < fr.size(); i += per_s, sep = ", ") std::fprintf(f, "%s%.2f", sep, fr[i].erle_db);
    std::fprintf(f, "],\n      \"delay_samples_per_second\": [");
    sep = "";
    for (std::size_t i = per_s - 1; i < fr.size(); i += per_s, sep = ", ") std::fprintf(f, "%s%d", sep, fr[i].delay_samples);
    std::fprintf(f, "]\n    }");
  }
  std::fprintf(f, "\n  },\n  \"frames\": [\n");
  for (std::size_t i = 0; i < fr.size(); ++i) {
    const auto& r = fr[i];
    std::fprintf(f, "    {\"t_ms\": %.1f, \"speech\": %s, \"probability\": %.3f, \"agc_gain_db\": %.2f", double(i) * frame_ms,
                 r.speech ? "true" : "false", r.probability, r.gain_db);
    if (aec)
      std::fprintf(f, ", \"erle_db\": %.2f, \"delay_samples\": %d, \"double_talk\": %s", r.erle_db, r.delay_samples,
                   r.double_talk ? "true" : "false");
    std::fprintf(f, "}%s\n", i + 1 < fr.size() ? "," : "");
  }
  std::fprintf(f, "  ]\n}\n");
  if (std::fclose(f) != 0) throw usage_error("--report: cannot write '" + opt.report + "'");
}

}  // namespace

process_summary run_process(const process_options& opt) {
  dsp::chain_config cfg;
  cfg.vad.mode = parse_grade_option(opt.vad, "--vad", true);
  cfg.agc.mode = parse_grade_option(opt.agc, "--agc", true);
  cfg.aec.mode = parse_grade_option(opt.aec, "--aec", true);
  cfg.frame_samples = opt.frame_samples;
  if (opt.frame_samples < dsp::min_frame_samples || opt.frame_samples > dsp::max_frame_samples)
    throw usage_error("--frame-samples: " + std::to_string(opt.frame_samples) + " out of range " +
                      std::to_string(dsp::min_frame_samples) + ".." + std::to_string(dsp::max_frame_samples));
  const bool aec = cfg.aec.mode != dsp::grade::off;
  if (aec && opt.far.empty()) throw usage_error("--aec " + opt.aec + " needs --far FAR.wav (the far-end signal)");
  if (!aec && !opt.far.empty()) throw usage_error("--far is only used with --aec basic|advanced");
  if (auto err = cfg.validate()) throw usage_error("chain config: " + *err);

  std::vector<std::int16_t> x = read_wav(opt.in);
  std::vector<std::int16_t> far;
  if (aec) far = read_wav(opt.far);
  // The gateway's plans when given its wisdom file: bit-identical output (dsp/fft.h).
  bool wisdom_loaded = false;
  if (!opt.fft_wisdom.empty())
    if (const auto err = dsp::fft_registry::load_wisdom(opt.fft_wisdom, wisdom_loaded))
      throw usage_error("--fft-wisdom: " + *err);
  dsp::processing_chain chain(cfg);
  if (!opt.fft_wisdom.empty() && !wisdom_loaded)
    if (const auto err = dsp::fft_registry::save_wisdom(opt.fft_wisdom)) throw usage_error("--fft-wisdom: " + *err);
  const std::size_t n = static_cast<std::size_t>(opt.frame_samples);
  const std::size_t lat = static_cast<std::size_t>(chain.latency_samples());
  // Pad to whole frames plus the look-ahead so every input sample comes out; a
  // shorter far file is taken as silence after its end.
  const std::size_t len = x.size();
  const std::size_t padded = (len + lat + n - 1) / n * n;
  x.resize(padded, 0);
  far.resize(padded, 0);

  std::vector<frame_record> fr;
  fr.reserve(padded / n);
  process_summary sum;
  double gain_acc = 0;
  std::size_t speech = 0;
  for (std::size_t i = 0; i < padded; i += n) {
    const auto r = chain.process(std::span(x).subspan(i, n), std::span<const std::int16_t>(far).subspan(i, n));
    fr.push_back({r.speech, r.speech_probability, r.agc_gain_db, r.aec.erle_db, r.aec.delay_samples, r.aec.double_talk,
                  r.aec.converged});
    speech += r.speech;
    gain_acc += r.agc_gain_db;
  }
  sum.frames = fr.size();
  sum.speech_ratio = fr.empty() ? 0.0 : double(speech) / double(fr.size());
  sum.mean_agc_gain_db = fr.empty() ? 0.0 : gain_acc / double(fr.size());
  sum.fallbacks = chain.fallback_count();
  write_wav(opt.out, std::span<const std::int16_t>(x).subspan(lat, len));
  if (!opt.report.empty()) write_report(opt, chain, fr, sum);
  return sum;
}

void add_process_command(CLI::App& app) {
  auto opt = std::make_shared<process_options>();
  CLI::App* p = app.add_subcommand(
      "process", "WAV (8 kHz mono 16-bit) through the chain AEC -> VAD -> AGC, with a JSON report of per-frame decisions");
  p->add_option("IN.wav", opt->in, "input (near-end) WAV file")->required();
  p->add_option("OUT.wav", opt->out, "output WAV file (time-aligned with IN)")->required();
  p->add_option("--vad", opt->vad, "off, basic or advanced (default advanced)");
  p->add_option("--agc", opt->agc, "off, basic or advanced (default advanced)");
  p->add_option("--aec", opt->aec, "off, basic or advanced (default off; needs --far)");
  p->add_option("--far", opt->far, "far-end WAV file (what was played toward the near end)");
  p->add_option("--report", opt->report, "write a JSON report here (per-frame VAD/AGC/AEC and a summary)");
  p->add_option("--frame-samples", opt->frame_samples, "samples per frame, 80..480 (default 160 = 20 ms)");
  p->add_option("--fft-wisdom", opt->fft_wisdom,
                "FFTW wisdom file: read when it exists (the gateway's [dsp] fft_wisdom gives its exact output), else written");
  p->callback([opt] {
    const auto s = run_process(*opt);
    std::printf("processed %zu frames: speech %.1f%%, mean AGC gain %.2f dB, fallbacks %zu -> %s\n", s.frames,
                100.0 * s.speech_ratio, s.mean_agc_gain_db, s.fallbacks, opt->out.c_str());
  });
}

}  // namespace dsp_tool
