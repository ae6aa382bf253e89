// SPDX-License-Identifier: BSD-3-Clause
// lcores = "auto" planning on synthetic topologies, and hwloc discovery on this machine.
#include <gtest/gtest.h>

#include <algorithm>

#include "controlplane/topology.h"

namespace {

std::vector<cp::cpu_core> cores(std::vector<std::pair<int, std::vector<unsigned>>> spec) {
  std::vector<cp::cpu_core> out;
  for (auto& [node, pus] : spec) out.push_back({node, pus});
  return out;
}

TEST(Topology, TwoNodesWithSmtWorkersOnNicNodePrimaryThreadsOnly) {
  // node 0: cores {0,4},{1,5}; node 1: cores {2,6},{3,7}
  const auto c = cores({{0, {0, 4}}, {0, {1, 5}}, {1, {2, 6}}, {1, {3, 7}}});
  const auto p = cp::plan_lcores(c, 1);
  EXPECT_EQ(p.numa_node, 1);
  EXPECT_EQ(p.main_cpu, 0u);  // off the NIC node
  EXPECT_EQ(p.worker_cpus, (std::vector<unsigned>{2, 3}));
  EXPECT_EQ(p.eal_lcores(), "0@0,1@2,2@3");
}

TEST(Topology, SingleNodeMainTakesACoreOfItsOwn) {
  const auto c = cores({{0, {0}}, {0, {1}}});
  const auto p = cp::plan_lcores(c, -1);
  EXPECT_EQ(p.main_cpu, 0u);
  EXPECT_EQ(p.worker_cpus, (std::vector<unsigned>{1}));
  EXPECT_EQ(p.eal_lcores(), "0@0,1@1");
}

TEST(Topology, UnknownNicNodePicksTheNodeWithMostCores) {
  const auto c = cores({{0, {0}}, {1, {1}}, {1, {2}}, {1, {3}}});
  const auto p = cp::plan_lcores(c, -1);
  EXPECT_EQ(p.numa_node, 1);
  EXPECT_EQ(p.main_cpu, 0u);
  EXPECT_EQ(p.worker_cpus, (std::vector<unsigned>{1, 2, 3}));
}

TEST(Topology, OneCoreWithSiblingUsesTheSibling) {
  const auto p = cp::plan_lcores(cores({{0, {0, 1}}}), 0);
  EXPECT_EQ(p.main_cpu, 0u);
  EXPECT_EQ(p.worker_cpus, (std::vector<unsigned>{1}));
}

TEST(Topology, DiscoveryFindsThisMachinesCores) {
  const auto c = cp::discover_cores();
  ASSERT_FALSE(c.empty());
  std::vector<unsigned> all;
  for (const auto& core : c) all.insert(all.end(), core.pus.begin(), core.pus.end());
  std::sort(all.begin(), all.end());
  EXPECT_EQ(std::adjacent_find(all.begin(), all.end()), all.end()) << "a PU listed under two cores";
  EXPECT_EQ(cp::pci_numa_node("net_pcap0"), -1);
}

}  // namespace
