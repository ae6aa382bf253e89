// SPDX-License-Identifier: BSD-3-Clause
// Per-worker stage timing in TSC cycles: log-linear histograms cheap enough for the hot path.
//
// A sample costs one bucket index (a count-leading-zeros and a shift) and two
// counter adds. Workers time one poll iteration in stage_sample_period and every
// stage of every packet in it, so the TSC reads cost 1/64 of what timing every
// packet would: 0.6 ns per relayed packet (17.3 -> 17.9 ns; 1 in 16: 20.5 ns;
// voxgate-bench relay --stage-timing 64 vs 0, alternating).
#pragma once

#include <x86intrin.h>

#include <array>
#include <cstdint>
#include <string_view>

#include "dataplane/counter.h"

namespace dp {

enum class stage : std::uint8_t { parse, handoff, decode, aec, vad, agc, encode, tx, packet, count_ };
inline constexpr std::size_t stage_count = static_cast<std::size_t>(stage::count_);
inline constexpr unsigned stage_sample_period = 64;  // time 1 poll iteration in 64

constexpr std::string_view to_string(stage s) noexcept {
  constexpr std::array<std::string_view, stage_count> names = {"parse", "handoff", "decode", "aec", "vad",
                                                               "agc",   "encode",  "tx",     "packet"};
  const auto i = static_cast<std::size_t>(s);
  return i < names.size() ? names[i] : std::string_view("?");
}

inline std::uint64_t tsc_now() noexcept { return __rdtsc(); }

// Buckets: 4 per power of two (HdrHistogram's idea at 2 significant bits), values
// up to 2^30 cycles; bucket k >= 4 covers [lower(k), lower(k + 1)).
class cycle_histogram {
 public:
  static constexpr unsigned sub_bits = 2;
  static constexpr unsigned buckets = 4 + (30 - sub_bits) * (1u << sub_bits);

  static constexpr unsigned bucket_of(std::uint64_t v) noexcept {
    if (v < (1u << sub_bits)) return static_cast<unsigned>(v);
    const unsigned msb = 63u - static_cast<unsigned>(__builtin_clzll(v));
    const unsigned sub = static_cast<unsigned>(v >> (msb - sub_bits)) & ((1u << sub_bits) - 1);
    const unsigned b = (msb - sub_bits + 1) * (1u << sub_bits) + sub;
    return b < buckets ? b : buckets - 1;
  }
  static constexpr std::uint64_t lower_of(unsigned b) noexcept {
    if (b < (1u << sub_bits)) return b;
    const unsigned msb = b / (1u << sub_bits) + sub_bits - 1;
    const std::uint64_t sub = b % (1u << sub_bits);
    return (std::uint64_t{1} << msb) | (sub << (msb - sub_bits));
  }

  // `weight` samples of `cycles` each (a burst's total divided over its packets).
  void record(std::uint64_t cycles, std::uint64_t weight = 1) noexcept {
    counts_[bucket_of(cycles)].add(weight);
    total_.add(cycles * weight);
    samples_.add(weight);
  }
  std::uint64_t samples() const noexcept { return samples_.get(); }
  std::uint64_t total_cycles() const noexcept { return total_.get(); }
  std::uint64_t count(unsigned b) const noexcept { return counts_[b].get(); }

 private:
  std::array<counter, buckets> counts_{};
  counter total_;
  counter samples_;
};

struct stage_timing {
  std::array<cycle_histogram, stage_count> by_stage;
  cycle_histogram& operator[](stage s) noexcept { return by_stage[static_cast<std::size_t>(s)]; }
  const cycle_histogram& operator[](stage s) const noexcept { return by_stage[static_cast<std::size_t>(s)]; }
};

// A copy for reporting: per stage, samples, mean and percentiles in cycles.
struct stage_summary {
  std::uint64_t samples = 0;
  double mean_cycles = 0;
  std::uint64_t p50_cycles = 0, p99_cycles = 0;  // bucket lower bounds (within 25%)
};

inline stage_summary summarize(const cycle_histogram& h) noexcept {
  stage_summary s;
  s.samples = h.samples();
  if (s.samples == 0) return s;
  s.mean_cycles = static_cast<double>(h.total_cycles()) / static_cast<double>(s.samples);
  const auto percentile = [&](double q) {
    const auto want = static_cast<std::uint64_t>(q * static_cast<double>(s.samples));
    std::uint64_t seen = 0;
    for (unsigned b = 0; b < cycle_histogram::buckets; ++b) {
      seen += h.count(b);
      if (seen > want) return cycle_histogram::lower_of(b);
    }
    return cycle_histogram::lower_of(cycle_histogram::buckets - 1);
  };
  s.p50_cycles = percentile(0.50);
  s.p99_cycles = percentile(0.99);
  return s;
}

}  // namespace dp
