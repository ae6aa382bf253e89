// SPDX-License-Identifier: BSD-3-Clause
// The per-worker session table: addresses with their slot memory, insert/find/erase.
#include <gtest/gtest.h>

#include <memory>
#include <vector>

#include "dataplane/session_table.h"

namespace {

struct slots {
  std::vector<dp::route*> mem = std::vector<dp::route*>(dp::session_table::slots, nullptr);
  void* get() { return mem.data(); }
};

// Routes hold atomic counters (not movable): keyed in place.
void key(dp::route& r, std::uint32_t ip, std::uint16_t port) {
  r.local_ip = ip;
  r.local_port = port;
}

TEST(SessionTable, FindsOnlyWhatWasInsertedPerAddress) {
  dp::session_table t;
  slots s1, s2;
  ASSERT_TRUE(t.add_address(0x0A000001, s1.get()));
  ASSERT_TRUE(t.add_address(0x0A000002, s2.get()));
  EXPECT_FALSE(t.add_address(0x0A000001, s1.get()));  // already present
  EXPECT_FALSE(t.add_address(0x0A000003, nullptr));
  dp::route a, b, c, dup;
  key(a, 0x0A000001, 20000);
  key(b, 0x0A000002, 20000);  // same port, other address
  key(c, 0x0A000003, 20000);  // an address the worker does not serve
  key(dup, 0x0A000001, 20000);
  EXPECT_TRUE(t.insert(a));
  EXPECT_TRUE(t.insert(b));
  EXPECT_FALSE(t.insert(c));
  EXPECT_FALSE(t.insert(dup));
  EXPECT_EQ(t.size(), 2u);
  EXPECT_EQ(t.find(0x0A000001, 20000), &a);
  EXPECT_EQ(t.find(0x0A000002, 20000), &b);
  EXPECT_EQ(t.find(0x0A000001, 20001), nullptr);
  EXPECT_EQ(t.find(0x0A000003, 20000), nullptr);
  t.erase(dup);  // not the stored route: nothing happens
  EXPECT_EQ(t.find(0x0A000001, 20000), &a);
  t.erase(a);
  EXPECT_EQ(t.find(0x0A000001, 20000), nullptr);
  EXPECT_EQ(t.find(0x0A000002, 20000), &b);
  EXPECT_EQ(t.size(), 1u);
  EXPECT_TRUE(t.insert(a));  // re-insert after erase
}

TEST(SessionTable, AtMostMaxAddresses) {
  dp::session_table t;
  std::vector<std::unique_ptr<slots>> mem;
  for (std::uint32_t i = 0; i < dp::session_table::max_addresses; ++i) {
    mem.push_back(std::make_unique<slots>());
    ASSERT_TRUE(t.add_address(100 + i, mem.back()->get()));
  }
  slots extra;
  EXPECT_FALSE(t.add_address(999, extra.get()));
  EXPECT_EQ(t.addresses(), dp::session_table::max_addresses);
}

}  // namespace
