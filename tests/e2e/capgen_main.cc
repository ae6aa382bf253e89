// SPDX-License-Identifier: BSD-3-Clause
// voxgate-capgen: writes a generated capture (and its sessions as TOML) for demos and runs.
#include <CLI/CLI.hpp>

#include <cstdio>
#include <fstream>

#include "tests/e2e/capgen.h"

int main(int argc, char** argv) {
  test::capgen_options o;
  std::string prefix = "in";
  std::string toml_out;
  unsigned files = 1;
  CLI::App app{"voxgate-capgen: generated RTP calls plus junk, as pcap"};
  app.add_option("--calls", o.calls, "two-leg calls")->check(CLI::Range(1, 16000));
  app.add_option("--packets", o.packets, "RTP packets per direction per call")->check(CLI::Range(1, 100000));
  app.add_option("--junk-rounds", o.junk_rounds, "copies of each junk class")->check(CLI::Range(0, 1000));
  app.add_option("--seed", o.seed, "random seed");
  app.add_option("--files", files, "split round-robin over this many captures")->check(CLI::Range(1, 16));
  app.add_option("--prefix", prefix, "output path prefix (PREFIX.pcap or PREFIX-N.pcap)");
  app.add_option("--sessions-toml", toml_out, "also write the matching [network]/[[session]] TOML here");
  CLI11_PARSE(app, argc, argv);
  try {
    const auto c = test::generate(o);
    for (const auto& n : test::write_inputs(c, prefix, files)) std::printf("wrote %s\n", n.c_str());
    std::size_t relayed = 0;
    for (const auto& p : c.packets) relayed += p.relayed ? 1 : 0;
    std::printf("%zu packets: %zu to relay, %zu junk\n", c.packets.size(), relayed, c.packets.size() - relayed);
    if (!toml_out.empty()) {
      std::ofstream f(toml_out);
      f << test::sessions_toml(c);
      if (!f) throw std::runtime_error(toml_out + ": cannot write");
    }
  } catch (const std::exception& e) {
    std::fprintf(stderr, "voxgate-capgen: %s\n", e.what());
    return 2;
  }
  return 0;
}
