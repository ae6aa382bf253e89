// SPDX-License-Identifier: BSD-3-Clause
// Reading and writing Ethernet pcap files (libpcap) for the capture generator and checks.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace test {

using frame = std::vector<std::uint8_t>;

// Throws std::runtime_error naming the file on any failure.
void write_pcap(const std::string& path, const std::vector<frame>& frames);
std::vector<frame> read_pcap(const std::string& path);

}  // namespace test
