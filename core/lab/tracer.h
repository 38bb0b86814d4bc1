// Tracing a probe in a running lab: capture sockets on every interface of
// every host namespace (the fabric's only on request) opened before the echo
// leaves, the echo itself, a snapshot of each host's tables and daemon
// state, then the trace built and explained, and its files written.
#pragma once

#include <filesystem>

#include "core/lab/probe.h"
#include "core/trace/snapshot.h"
#include "core/trace/trace.h"

namespace ovl::lab {

struct TraceOptions {
  std::chrono::milliseconds timeout{1000};  // for the echo
  bool fabric = false;                      // capture the fabric bridges' ports too
};

struct Traced {
  ProbeReport report;
  trace::Trace trace;
};

Traced trace_probe(const RunningLab& lab, os::LinuxNetworkOps& net, const std::string& probe_name,
                   const std::string& from, const std::string& to, const TraceOptions& options);

trace::Snapshot take_snapshot(const RunningLab& lab, os::LinuxNetworkOps& net);

// Writes trace-<probe>.json and trace-<probe>.pcapng into dir (created).
void write_trace_files(const trace::Trace& trace, const std::filesystem::path& dir);

}  // namespace ovl::lab
