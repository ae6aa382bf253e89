// SPDX-License-Identifier: BSD-3-Clause
// lcores = "auto": a worker plan from the hardware topology (hwloc).
#pragma once

#include <string>
#include <vector>

namespace cp {

struct cpu_core {
  int numa_node = 0;
  std::vector<unsigned> pus;  // OS CPU numbers of the core's hardware threads, first = primary
};

struct lcore_plan {
  unsigned main_cpu = 0;
  std::vector<unsigned> worker_cpus;
  int numa_node = -1;        // the node the workers are on
  std::vector<std::string> notes;  // why (printed at start)

  // EAL --lcores value: lcore 0 = main on main_cpu, lcores 1..n = workers.
  std::string eal_lcores() const;
};

// The machine's cores (allowed to this process), from hwloc.
std::vector<cpu_core> discover_cores();

// Pure planning: workers on nic_node (-1: unknown, use the node with most cores),
// one per physical core (no SMT siblings), the main lcore on a core of its own
// when there is more than one core; with a single core the SMT sibling (or the
// same CPU, said in the notes) is used.
lcore_plan plan_lcores(const std::vector<cpu_core>& cores, int nic_node);

// NUMA node of a PCI device from sysfs (e.g. "0000:3b:00.0"); -1 for vdevs/unknown.
int pci_numa_node(const std::string& device_name);

}  // namespace cp
