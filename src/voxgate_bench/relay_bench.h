// SPDX-License-Identifier: BSD-3-Clause
// Relay benchmark: pre-built RTP mbufs circulating on two looped net_ring ports through the real worker.
#pragma once

#include <nlohmann/json.hpp>

#include <string>
#include <vector>

struct relay_bench_options {
  double seconds = 5;
  double warmup_s = 1;
  unsigned sessions = 2;         // sessions in the ring the packets walk through
  unsigned in_flight_per_port = 32;  // testpmd --tx-first puts one burst (32) on each port
  bool transcode = false;        // legs toward port 1 speak PCMA: every hop transcodes PCMU<->PCMA
  // Processing on both legs of every session: "none" (relay), "basic" (VAD + AGC
  // basic), "advanced" (AEC + VAD + AGC advanced). With a chain, half the packets
  // walk the ring backwards so both directions of every call carry audio and each
  // AEC has a far end.
  std::string chain = "none";
  unsigned stage_timing_period = 64;  // 0: no stage timing (its cost measured by comparison)
  unsigned frames_per_class = 0;  // frame pool size (0: enough for every AEC leg's history)
  std::vector<std::string> eal_args;
};

// Runs the benchmark; throws std::runtime_error on setup failure.
nlohmann::json run_relay_bench(const relay_bench_options& o);
