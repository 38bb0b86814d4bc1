// Bringing a lab's cluster up, in the order of a real one (DESIGN.md 5):
// underlay -> store -> each node's overlayd takes its lease and writes
// subnet.env -> the container runtime builds the bridge from FLANNEL_SUBNET
// and FLANNEL_MTU and starts the containers -> every daemon knows every peer.
#pragma once

#include <atomic>
#include <chrono>
#include <functional>
#include <iosfwd>
#include <map>
#include <optional>

#include "core/lab/executor.h"
#include "core/lab/lab.h"
#include "core/lab/progress.h"
#include "core/os/process.h"
#include "core/scenario/plan.h"

namespace ovl::lab {

// Pins node@subnet the way Flannel honours it: a subnet.env whose
// FLANNEL_SUBNET the daemon reuses when the subnet is free.
void pin_subnets(const scenario::Scenario& s, const LabDir& dir);

// Starts `overlaylab __supervise` detached and journals it.
os::ProcessId start_supervisor(const std::string& lab, const std::filesystem::path& root, const LabDir& dir,
                               Journal& journal);

struct Waiting {
  const LabDir& dir;
  os::ProcessId supervisor;
  const std::atomic<bool>* cancel;
  std::chrono::seconds timeout{30};  // without any progress
};

// Polls ready() until it holds, failing fast when the supervisor died or
// the user pressed Ctrl-C (Interrupted), and with the end of log (when
// there is one) on timeout.
void wait_until(const Waiting& w, const std::string& what, const std::filesystem::path& log,
                const std::function<bool()>& ready);

// Each overlayd node's lease, as its daemon wrote it to subnet.env, once all
// have (external nodes are waited for one by one: wait_for_external_lease).
std::map<std::string, scenario::NodeLease> wait_for_leases(const Waiting& w, const scenario::Scenario& s,
                                                           Phase& phase);
// The lease of a node whose daemon the user starts (command says how): a
// line on progress every 10 s while there is none, and on timeout an error
// naming the file and the command.
scenario::NodeLease wait_for_external_lease(const Waiting& w, const std::string& node, const std::string& command,
                                            std::ostream* progress);
// Until each overlayd's status lists every other node as a peer (external
// daemons write none: the others must list them).
void wait_for_peers(const Waiting& w, const scenario::Scenario& s, Phase& phase);

// A node's lease and MTU as its overlayd wrote them to subnet.env; nullopt
// before it has.
std::optional<scenario::NodeLease> read_lease(const LabDir& dir, const std::string& node);
// Every node's, leaving out nodes without one yet.
std::map<std::string, scenario::NodeLease> read_leases(const LabDir& dir, const scenario::Scenario& s);

// The last lines of a log, for error messages.
std::string log_tail(const std::filesystem::path& log, size_t lines = 5);

}  // namespace ovl::lab
