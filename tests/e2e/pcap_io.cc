// SPDX-License-Identifier: BSD-3-Clause
// libpcap-based pcap reading/writing.
#include "tests/e2e/pcap_io.h"

#include <pcap/pcap.h>

#include <stdexcept>

namespace test {

void write_pcap(const std::string& path, const std::vector<frame>& frames) {
  pcap_t* p = pcap_open_dead(DLT_EN10MB, 65535);
  if (p == nullptr) throw std::runtime_error("pcap_open_dead failed");
  pcap_dumper_t* d = pcap_dump_open(p, path.c_str());
  if (d == nullptr) {
    const std::string e = pcap_geterr(p);
    pcap_close(p);
    throw std::runtime_error(path + ": " + e);
  }
  std::uint32_t usec = 0;
  for (const auto& f : frames) {
    pcap_pkthdr h{};
    h.ts.tv_sec = 1700000000 + usec / 1000000;
    h.ts.tv_usec = usec % 1000000;
    usec += 20;
    h.caplen = h.len = static_cast<bpf_u_int32>(f.size());
    pcap_dump(reinterpret_cast<u_char*>(d), &h, f.data());
  }
  pcap_dump_close(d);
  pcap_close(p);
}

std::vector<frame> read_pcap(const std::string& path) {
  char err[PCAP_ERRBUF_SIZE];
  pcap_t* p = pcap_open_offline(path.c_str(), err);
  if (p == nullptr) throw std::runtime_error(path + ": " + err);
  std::vector<frame> out;
  pcap_pkthdr* h;
  const u_char* data;
  int r;
  while ((r = pcap_next_ex(p, &h, &data)) == 1) out.emplace_back(data, data + h->caplen);
  pcap_close(p);
  if (r == PCAP_ERROR) throw std::runtime_error(path + ": read error");
  return out;
}

}  // namespace test
