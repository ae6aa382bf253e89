// SPDX-License-Identifier: BSD-3-Clause
// Look-ahead peak limiter (see limiter.h).
#include "dsp/limiter.h"

#include <algorithm>
#include <cmath>
#include <stdexcept>
#include <string>

namespace dsp {

validation limiter_config::validate() const {
  if (!(ceiling_dbfs >= -20.0f && ceiling_dbfs <= -0.1f))
    return "ceiling_dbfs: " + std::to_string(ceiling_dbfs) + " out of range -20..-0.1";
  if (!(lookahead_ms >= 0.125f && lookahead_ms <= 10.0f))
    return "lookahead_ms: " + std::to_string(lookahead_ms) + " out of range 0.125..10";
  if (!(release_ms >= 1.0f && release_ms <= 5000.0f))
    return "release_ms: " + std::to_string(release_ms) + " out of range 1..5000";
  return std::nullopt;
}

namespace {
int lookahead_samples(const limiter_config& c) {
  return std::clamp(static_cast<int>(std::lround(c.lookahead_ms * 1e-3f * sample_rate_hz)), 1,
                    lookahead_limiter::max_lookahead_samples);
}
}  // namespace

lookahead_limiter::lookahead_limiter(const config& cfg, std::pmr::memory_resource* mr, float full_scale)
    : cfg_(cfg),
      look_(cfg.validate() ? 1 : lookahead_samples(cfg)),
      ceiling_(full_scale * std::pow(10.0f, cfg.ceiling_dbfs / 20.0f)),
      rel_coef_(std::exp(-1.0f / (cfg.release_ms * 1e-3f * sample_rate_hz))),
      ext_(static_cast<std::size_t>(look_ + max_frame_samples), mr),
      box_(static_cast<std::size_t>(look_ + 1), mr),
      dq_val_(static_cast<std::size_t>(look_ + 2), mr),
      dq_idx_(static_cast<std::size_t>(look_ + 2), mr) {
  if (auto err = cfg.validate()) throw std::invalid_argument(*err);
  reset();
}

void lookahead_limiter::reset() noexcept {
  ext_.fill_zero();
  for (auto& g : box_) g = 1.0f;
  box_sum_ = static_cast<float>(look_ + 1);
  box_pos_ = 0;
  dq_head_ = dq_size_ = 0;
  n_ = 0;
  h_ = 1.0f;
  rest_run_ = look_ + 1;
  min_gain_ = 1.0f;
}

float lookahead_limiter::take_min_gain() noexcept {
  const float g = min_gain_;
  min_gain_ = 1.0f;
  return g;
}

void lookahead_limiter::process(std::span<float> x) noexcept {
  const int n = std::min(static_cast<int>(x.size()), max_frame_samples);
  const int w = look_ + 1;    // window length
  const int cap = look_ + 2;  // deque capacity
  float* ext = ext_.data();   // ext[0..look_) = the previous frame's last look_ inputs
  float peak = 0;
  for (int i = 0; i < n; ++i) {
    ext[look_ + i] = x[i];
    peak = std::max(peak, std::fabs(x[i]));
  }
  if (rest_run_ >= w && peak <= ceiling_) {
    // At rest (gain 1 throughout the window) and nothing to limit: a plain delay.
    // The deque may be dropped: every required gain in the window is 1, and a
    // later smaller value would evict them anyway.
    for (int i = 0; i < n; ++i) x[i] = ext[i];
    dq_size_ = 0;
    n_ += n;
  } else {
    // The running sum is re-summed exactly once per frame, so float rounding cannot
    // accumulate across frames (within a frame it stays near 1e-7 relative).
    box_sum_ = 0;
    for (int j = 0; j < w; ++j) box_sum_ += box_[j];
    const float inv_w = 1.0f / static_cast<float>(w);
    for (int i = 0; i < n; ++i) {
      const float a = std::fabs(ext[look_ + i]);
      const float r = a > ceiling_ ? ceiling_ / a : 1.0f;
      // Sliding minimum of r over the last w samples (monotonic deque).
      while (dq_size_ > 0) {
        int back = dq_head_ + dq_size_ - 1;
        if (back >= cap) back -= cap;
        if (dq_val_[back] < r) break;
        --dq_size_;
      }
      int slot = dq_head_ + dq_size_;
      if (slot >= cap) slot -= cap;
      dq_val_[slot] = r;
      dq_idx_[slot] = n_;
      ++dq_size_;
      while (dq_idx_[dq_head_] <= n_ - w) {
        if (++dq_head_ == cap) dq_head_ = 0;
        --dq_size_;
      }
      const float m = dq_val_[dq_head_];
      // Instant attack, exponential release toward 1, never above the window minimum.
      // Within 1e-4 (0.0009 dB) of 1 the release snaps to 1, so the limiter comes
      // back to rest (and to the plain-delay path) instead of creeping for seconds.
      h_ = std::min(m, 1.0f - (1.0f - h_) * rel_coef_);
      if (h_ > 0.9999f) h_ = std::min(m, 1.0f);
      rest_run_ = h_ == 1.0f ? rest_run_ + 1 : 0;
      // Moving average of h over w samples, applied to the input of look_ samples ago.
      box_sum_ += h_ - box_[box_pos_];
      box_[box_pos_] = h_;
      if (++box_pos_ == w) box_pos_ = 0;
      const float g = box_sum_ * inv_w;
      x[i] = ext[i] * g;
      min_gain_ = std::min(min_gain_, g);
      ++n_;
    }
  }
  for (int i = 0; i < look_; ++i) ext[i] = ext[n + i];
}

}  // namespace dsp
