// SPDX-License-Identifier: BSD-3-Clause
// ProcessingChain (see chain.h).
#include "dsp/chain.h"

#include <stdexcept>
#include <string>
#include <utility>

namespace dsp {

namespace {

// Which grade a stage can be built at: the requested one, basic when advanced is
// invalid and fallback allowed, or an error message.
struct stage_choice {
  grade g = grade::off;
  validation error;
  bool fell_back = false;
};

stage_choice choose(const char* name, grade mode, const validation& basic_err, const validation& adv_err,
                    bool fallback) {
  if (mode == grade::off) return {};
  if (mode == grade::basic) {
    if (basic_err) return {grade::off, std::string(name) + ".basic." + *basic_err};
    return {grade::basic, std::nullopt};
  }
  if (!adv_err) return {grade::advanced, std::nullopt};
  if (fallback && !basic_err) return {grade::basic, std::nullopt, true};
  return {grade::off, std::string(name) + ".advanced." + *adv_err};
}

aec_config aec_with(const aec_config& c, grade mode, int frame) {
  aec_config r = c;
  r.mode = mode;
  r.frame_samples = frame;
  return r;
}

}  // namespace

validation chain_config::validate() const {
  if (frame_samples < min_frame_samples || frame_samples > max_frame_samples)
    return "frame_samples: " + std::to_string(frame_samples) + " out of range " + std::to_string(min_frame_samples) +
           ".." + std::to_string(max_frame_samples);
  const auto a = choose("aec", aec.mode, aec_with(aec, grade::basic, frame_samples).validate(),
                        aec_with(aec, grade::advanced, frame_samples).validate(), fallback_to_basic);
  if (a.error) return a.error;
  const auto v = choose("vad", vad.mode, vad.basic.validate(), vad.advanced.validate(), fallback_to_basic);
  if (v.error) return v.error;
  const auto g = choose("agc", agc.mode, agc.basic.validate(), agc.advanced.validate(), fallback_to_basic);
  if (g.error) return g.error;
  return std::nullopt;
}

processing_chain::processing_chain(const chain_config& cfg, std::pmr::memory_resource* mr)
    : frame_samples_(cfg.frame_samples), fallback_(cfg.fallback_to_basic) {
  if (auto err = cfg.validate()) throw std::invalid_argument(*err);
  const int fs = cfg.frame_samples;

  const auto a = choose("aec", cfg.aec.mode, aec_with(cfg.aec, grade::basic, fs).validate(),
                        aec_with(cfg.aec, grade::advanced, fs).validate(), fallback_);
  aec_grade_ = a.g;
  fallbacks_ += a.fell_back;
  if (a.g != grade::off) aec_ = make_echo_canceller(aec_with(cfg.aec, a.g, fs), mr);
  if (a.g == grade::advanced && fallback_) aec_basic_ = make_echo_canceller(aec_with(cfg.aec, grade::basic, fs), mr);

  const auto v = choose("vad", cfg.vad.mode, cfg.vad.basic.validate(), cfg.vad.advanced.validate(), fallback_);
  vad_grade_ = v.g;
  fallbacks_ += v.fell_back;
  if (v.g == grade::advanced) {
    auto p = make_in<vad_advanced>(mr, cfg.vad.advanced, mr);
    vad_adv_ = p.get();
    vad_ = std::move(p);
  }
  if (v.g == grade::basic) vad_ = make_in<vad_basic>(mr, cfg.vad.basic, mr);
  if (v.g == grade::advanced && fallback_) vad_basic_ = make_in<vad_basic>(mr, cfg.vad.basic, mr);

  const auto g = choose("agc", cfg.agc.mode, cfg.agc.basic.validate(), cfg.agc.advanced.validate(), fallback_);
  agc_grade_ = g.g;
  fallbacks_ += g.fell_back;
  if (g.g == grade::advanced) {
    auto p = make_in<agc_advanced>(mr, cfg.agc.advanced, mr);
    agc_adv_ = p.get();
    agc_ = std::move(p);
  }
  if (g.g == grade::basic) agc_ = make_in<agc_basic>(mr, cfg.agc.basic, mr);
  if (g.g == grade::advanced && fallback_) agc_basic_ = make_in<agc_basic>(mr, cfg.agc.basic, mr);
}

void processing_chain::run_aec(std::span<std::int16_t> frame, std::span<const std::int16_t> far) noexcept {
  if (!aec_) return;
  aec_->process(frame, far, frame);
  if (aec_grade_ == grade::advanced && aec_basic_ && aec_->failed()) {
    // The advanced filter diverged: the basic one takes over from a clean state. A
    // swap, not an assignment, so nothing is freed here (that happens with the chain).
    std::swap(aec_, aec_basic_);
    aec_->reset();
    aec_grade_ = grade::basic;
    ++fallbacks_;
  }
  aec_status_ = aec_->status();
}

vad_result processing_chain::run_vad(std::span<const std::int16_t> frame) noexcept {
  if (!vad_) return {true, 1.0f};
  vad_result r = vad_->process(frame);
  if (vad_grade_ == grade::advanced && vad_basic_ && vad_->failed()) {
    std::swap(vad_, vad_basic_);
    vad_grade_ = grade::basic;
    ++fallbacks_;
    r = vad_->process(frame);
  }
  return r;
}

float processing_chain::run_agc(std::span<std::int16_t> frame, bool speech) noexcept {
  if (!agc_) return 0.0f;
  const float g = agc_->process(frame, speech);
  if (agc_grade_ == grade::advanced && agc_basic_ && agc_->failed()) {
    // The frame already went through the advanced AGC; the basic one starts with the next.
    std::swap(agc_, agc_basic_);
    agc_grade_ = grade::basic;
    ++fallbacks_;
  }
  return g;
}

chain_result processing_chain::process(std::span<std::int16_t> frame, std::span<const std::int16_t> far) noexcept {
  chain_result r;
  run_aec(frame, far);
  const vad_result v = run_vad(frame);
  r.speech = v.speech;
  r.speech_probability = v.probability;
  r.agc_gain_db = run_agc(frame, v.speech);
  r.aec = aec_status_;
  return r;
}

void processing_chain::reset() noexcept {
  if (aec_) aec_->reset();
  if (vad_) vad_->reset();
  if (agc_) agc_->reset();
  aec_status_ = {};
}

void processing_chain::inject_advanced_faults_for_test() noexcept {
  if (vad_grade_ == grade::advanced && vad_adv_ != nullptr) vad_adv_->inject_fault();
  if (agc_grade_ == grade::advanced && agc_adv_ != nullptr) agc_adv_->inject_fault();
}

int processing_chain::latency_samples() const noexcept { return agc_ ? agc_->latency_samples() : 0; }

}  // namespace dsp
