// One function per verb; main.cc dispatches to them by name.
#pragma once

#include <string>
#include <vector>

namespace ovl::lab {
struct RunningLab;
}

namespace ovl::overlaylab {

using VerbArgs = std::vector<std::string>;

int verb_validate(const VerbArgs& args);
int verb_plan(const VerbArgs& args);
int verb_graph(const VerbArgs& args);
int verb_generate(const VerbArgs& args);
int verb_up(const VerbArgs& args);
int verb_down(const VerbArgs& args);
int verb_list(const VerbArgs& args);
int verb_exec(const VerbArgs& args);
int verb_ping(const VerbArgs& args);
int verb_run(const VerbArgs& args);
int verb_trace(const VerbArgs& args);
int verb_step(const VerbArgs& args);
int verb_compare(const VerbArgs& args);
int verb_status(const VerbArgs& args);
int verb_stop(const VerbArgs& args);
int verb_start(const VerbArgs& args);
int verb_restart(const VerbArgs& args);
int verb_bench(const VerbArgs& args);
int verb_supervise(const VerbArgs& args);
int verb_complete(const VerbArgs& args);
int verb_wireshark_setup(const VerbArgs& args);

// Restarts a node's overlayd (in dataplane, when not empty) and waits until
// the new daemon is ready; restart and bench share it.
void restart_overlayd(const lab::RunningLab& lab, const std::string& node, const std::string& dataplane);

}  // namespace ovl::overlaylab
