// SPDX-License-Identifier: BSD-3-Clause
// hwloc-based lcore planning for lcores = "auto".
#include "controlplane/topology.h"

#include <hwloc.h>

#include <algorithm>
#include <fstream>
#include <map>
#include <stdexcept>

namespace cp {

std::string lcore_plan::eal_lcores() const {
  std::string s = "0@" + std::to_string(main_cpu);
  for (std::size_t i = 0; i < worker_cpus.size(); ++i) s += "," + std::to_string(i + 1) + "@" + std::to_string(worker_cpus[i]);
  return s;
}

std::vector<cpu_core> discover_cores() {
  hwloc_topology_t topo;
  if (hwloc_topology_init(&topo) != 0) throw std::runtime_error("hwloc: cannot initialise topology");
  if (hwloc_topology_load(topo) != 0) {
    hwloc_topology_destroy(topo);
    throw std::runtime_error("hwloc: cannot load topology");
  }
  std::vector<cpu_core> out;
  const int n = hwloc_get_nbobjs_by_type(topo, HWLOC_OBJ_CORE);
  for (int i = 0; i < n; ++i) {
    hwloc_obj_t core = hwloc_get_obj_by_type(topo, HWLOC_OBJ_CORE, static_cast<unsigned>(i));
    if (core == nullptr) continue;
    cpu_core c;
    // The NUMA node: the first node in the core's nodeset (a core belongs to one).
    c.numa_node = core->nodeset != nullptr ? hwloc_bitmap_first(core->nodeset) : 0;
    if (c.numa_node < 0) c.numa_node = 0;
    int pu = -1;
    while ((pu = hwloc_bitmap_next(core->cpuset, pu)) != -1) c.pus.push_back(static_cast<unsigned>(pu));
    if (!c.pus.empty()) out.push_back(std::move(c));
  }
  hwloc_topology_destroy(topo);
  if (out.empty()) throw std::runtime_error("hwloc: no usable CPU cores found");
  return out;
}

lcore_plan plan_lcores(const std::vector<cpu_core>& cores, int nic_node) {
  lcore_plan plan;
  if (cores.empty()) throw std::invalid_argument("no cores");
  std::map<int, int> per_node;
  for (const auto& c : cores) per_node[c.numa_node]++;
  int node = nic_node;
  if (node < 0 || per_node.find(node) == per_node.end()) {
    node = std::max_element(per_node.begin(), per_node.end(),
                            [](const auto& a, const auto& b) { return a.second < b.second; })->first;
    plan.notes.push_back(nic_node < 0 ? "NIC NUMA node unknown (virtual device): using node " + std::to_string(node)
                                      : "NIC NUMA node " + std::to_string(nic_node) + " has no usable cores: using node " +
                                            std::to_string(node));
  } else {
    plan.notes.push_back("NIC on NUMA node " + std::to_string(node));
  }
  plan.numa_node = node;
  std::vector<const cpu_core*> local;
  std::vector<const cpu_core*> remote;
  for (const auto& c : cores) (c.numa_node == node ? local : remote).push_back(&c);

  if (cores.size() == 1) {
    const auto& c = cores.front();
    plan.main_cpu = c.pus.front();
    if (c.pus.size() > 1) {
      plan.worker_cpus.push_back(c.pus[1]);
      plan.notes.push_back("one core: main lcore and worker share it as SMT siblings");
    } else {
      plan.worker_cpus.push_back(c.pus.front());
      plan.notes.push_back("one CPU: main lcore and worker share it (expect poor performance)");
    }
    return plan;
  }
  // Main lcore: a core off the NIC node if there is one, else the first local core.
  const cpu_core* main_core = !remote.empty() ? remote.front() : local.front();
  plan.main_cpu = main_core->pus.front();
  for (const auto* c : local)
    if (c != main_core) plan.worker_cpus.push_back(c->pus.front());  // primary thread only: no SMT siblings
  plan.notes.push_back("main lcore on CPU " + std::to_string(plan.main_cpu) + ", " +
                       std::to_string(plan.worker_cpus.size()) + " worker(s), one per physical core");
  return plan;
}

int pci_numa_node(const std::string& device_name) {
  std::ifstream f("/sys/bus/pci/devices/" + device_name + "/numa_node");
  int node = -1;
  if (f && (f >> node)) return node;
  return -1;
}

}  // namespace cp
