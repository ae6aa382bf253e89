// SPDX-License-Identifier: BSD-3-Clause
// voxgate-bench: synthetic load through the real worker code, JSON results.
#include <CLI/CLI.hpp>

#include <cstdio>
#include <string>

#include "controlplane/argv.h"
#include "src/voxgate_bench/relay_bench.h"

int main(int argc, char** argv) {
  relay_bench_options o;
  bool json = false;
  const int own_argc = cp::split_eal_args(argc, argv, o.eal_args);
  CLI::App app{"voxgate-bench: relay throughput of one worker on two looped net_ring ports\n"
               "usage: voxgate-bench relay [options] [-- EAL args]"};
  app.require_subcommand(1);
  auto* relay = app.add_subcommand("relay", "RTP relay: parse, lookup, rewrite, tx (testpmd 5tswap's nearest work)");
  relay->add_option("--seconds", o.seconds, "measured time")->check(CLI::Range(0.1, 3600.0));
  relay->add_option("--warmup", o.warmup_s, "unmeasured time first")->check(CLI::Range(0.0, 60.0));
  relay->add_option("--sessions", o.sessions, "sessions in the ring the packets walk through")->check(CLI::Range(1, 1000000));
  relay->add_option("--in-flight", o.in_flight_per_port, "packets circulating per port")->check(CLI::Range(1, 1024));
  relay->add_flag("--transcode", o.transcode, "legs on port 1 speak PCMA: every hop transcodes 160 bytes PCMU<->PCMA");
  relay->add_option("--chain", o.chain, "processing on both legs: none, basic (VAD+AGC), advanced (AEC+VAD+AGC)")
      ->check(CLI::IsMember({"none", "basic", "advanced"}));
  relay->add_option("--stage-timing", o.stage_timing_period, "time 1 poll iteration in N (0: off)")->check(CLI::Range(0, 1 << 20));
  relay->add_option("--frames", o.frames_per_class, "frame pool elements per size class (0: sized for the sessions)");
  app.add_flag("--json", json, "print one JSON object");
  relay->fallthrough();  // --json may follow the subcommand
  try {
    app.parse(own_argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e) == 0 ? 0 : 2;
  }
  if (o.eal_args.empty()) o.eal_args = {"--no-pci", "--no-huge", "-m", "1024", "--file-prefix", "vgbench", "-l", "0,1", "--vdev=net_ring0", "--vdev=net_ring1", "--log-level=lib.eal:error"};
  try {
    const auto r = run_relay_bench(o);
    if (json) {
      std::printf("%s\n", r.dump().c_str());
    } else {
      std::printf("%s, 1 worker, %d sessions, %d packets in flight: %.3f Mpps (%.1f ns, %.0f cycles per packet), drops %llu, worker heap bytes %llu\n",
                  r["benchmark"].get<std::string>().c_str(), r["sessions"].get<int>(), r["in_flight"].get<int>(), r["pps"].get<double>() / 1e6,
                  r["ns_per_packet"].get<double>(), r["cycles_per_packet"].get<double>(),
                  static_cast<unsigned long long>(r["drops"].get<std::uint64_t>()),
                  static_cast<unsigned long long>(r["worker_heap_bytes"].get<std::uint64_t>()));
      std::printf("  session memory %.0f bytes; stages (sampled, ns per packet: mean / p50 / p99):",
                  r["session_memory_bytes"].get<double>());
      for (const auto& [name, st] : r["stages"].items())
        std::printf(" %s %.0f/%.0f/%.0f", name.c_str(), st["mean_ns"].get<double>(), st["p50_ns"].get<double>(),
                    st["p99_ns"].get<double>());
      std::printf("\n");
    }
  } catch (const std::exception& e) {
    std::fprintf(stderr, "voxgate-bench: %s\n", e.what());
    return 1;
  }
  return 0;
}
