// SPDX-License-Identifier: BSD-3-Clause
// voxgate-capcount: prints how many packets a pcap file holds (used by scripts/demo).
#include <cstdio>
#include <exception>

#include "tests/e2e/pcap_io.h"

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: voxgate-capcount FILE.pcap\n");
    return 2;
  }
  try {
    std::printf("%zu\n", test::read_pcap(argv[1]).size());
  } catch (const std::exception& e) {
    std::fprintf(stderr, "voxgate-capcount: %s\n", e.what());
    return 2;
  }
  return 0;
}
