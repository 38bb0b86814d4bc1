// The long-running processes of a lab, as services the supervisor keeps up:
// etcd (when the scenario's store is etcd) and one overlayd per node (but
// those with daemon="external", whose daemon the user starts). Each
// has a control directory the verbs and the supervisor share:
//
//   <dir>/desired   "running" or "stopped"  (written by start/stop verbs)
//   <dir>/pid       "pid start_time" while it runs (written by the supervisor)
//   <dir>/state     one human line: running since..., restarting after...
//   <dir>/dataplane "simple" or "fast" for an overlayd, when a start or
//                   restart verb chose one (--dataplane); read at each spawn
//
// and a log in the node's filesystem (nodes/<node>/var/log/<name>.log).
#pragma once

#include <chrono>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "core/lab/lab.h"
#include "core/os/process.h"
#include "core/overlay/status.h"
#include "core/scenario/model.h"

namespace ovl::lab {

struct Service {
  std::string name;  // "etcd" or "overlayd@<node>"
  std::string node;  // the node it runs on
  os::SpawnRequest spawn;
  std::filesystem::path dir;  // control files

  std::filesystem::path desired_file() const { return dir / "desired"; }
  std::filesystem::path pid_file() const { return dir / "pid"; }
  std::filesystem::path state_file() const { return dir / "state"; }
  std::filesystem::path dataplane_file() const { return dir / "dataplane"; }
};

inline constexpr int kEtcdClientPort = 2379;

// A lab of more nodes has its overlayds poll the local store (every
// os::DirWatch::kPollInterval) instead of each holding an inotify instance.
inline constexpr size_t kInotifyNodesMax = 16;

std::string overlayd_service(const std::string& node);  // "overlayd@node1"

// Where a node's overlayd writes its lease and status.
std::filesystem::path subnet_env_path(const LabDir& dir, const std::string& node);
std::filesystem::path status_path(const LabDir& dir, const std::string& node);
std::filesystem::path local_store_path(const LabDir& dir);

// A node's overlayd status; nullopt while there is none.
std::optional<overlay::DaemonStatus> read_status(const LabDir& dir, const std::string& node);

// The services of a lab, etcd first, then an overlayd for every node whose
// daemon is not external. overlayd is found beside overlaylab.
std::vector<Service> lab_services(const RunningLab& lab);

// flanneld's flags for a node of the lab, in flanneld's spelling:
// --etcd-endpoints=, --etcd-prefix=, --iface=, --public-ip=, --subnet-file=
// (the node's subnet.env in the lab's state directory) and --ip-masq.
// overlayd's command line starts with them too.
std::vector<std::string> flanneld_flags(const scenario::Scenario& s, const LabDir& dir, const scenario::Node& node);
// What an external node's user runs: "sudo overlaylab exec LAB NODE --
// flanneld --etcd-endpoints=... --subnet-file=...".
std::string flanneld_command(const std::string& lab, const LabDir& dir, const scenario::Scenario& s,
                             const scenario::Node& node);

// The etcd endpoint daemons use: its node's underlay address.
std::string etcd_endpoint(const scenario::Scenario& s);

// Control-file helpers.
bool desired_running(const Service& s);
void set_desired(const Service& s, bool running);
std::optional<os::ProcessId> running_pid(const Service& s);
// The supervisor's one-line state, corrected when the process it names is gone.
std::string read_state(const Service& s);
// What a service is started with now: its spawn request, plus overlayd's
// --dataplane when one was chosen (empty: overlayd's default).
os::SpawnRequest spawn_request(const Service& s);
void set_dataplane(const Service& s, const std::string& dataplane);
std::string read_dataplane(const Service& s);

}  // namespace ovl::lab
