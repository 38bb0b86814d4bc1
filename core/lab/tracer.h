// Tracing a probe in a running lab: capture sockets on every interface of
// every host namespace (the fabric's only on request) opened before the
// probe leaves, the probe itself (an echo, a handshake, a datagram), a
// snapshot of each host's tables, nat rules, conntrack and daemon state,
// then the trace built, explained and judged, and its files written.
#pragma once

#include <filesystem>

#include "core/lab/probe.h"
#include "core/trace/snapshot.h"
#include "core/trace/trace.h"

namespace ovl::lab {

struct TraceOptions {
  std::chrono::milliseconds timeout{1000};  // for the answer
  bool fabric = false;                      // capture the fabric bridges' ports too
};

struct Traced {
  ProbeReport report;
  trace::Trace trace;
};

// One probe as the scenario's <probe> (or the CLI) describes it; its count
// is ignored: one is traced.
Traced trace_probe(const RunningLab& lab, os::LinuxNetworkOps& net, const scenario::Probe& probe,
                   const TraceOptions& options);

trace::Snapshot take_snapshot(const RunningLab& lab, os::LinuxNetworkOps& net);

// Writes trace-<probe>.json and trace-<probe>.pcapng into dir (created).
void write_trace_files(const trace::Trace& trace, const std::filesystem::path& dir);

}  // namespace ovl::lab
