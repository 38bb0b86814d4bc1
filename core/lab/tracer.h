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

// The hosts a trace captures on and reads: every host, unless the lab has
// more than kWatchedNodesMax nodes; then the probe's ends, their nodes, the
// routers and the externals. A 1000-node lab watched whole took 182 s and
// 2.6 GB (a 512 KiB ring per interface) to trace one ping.
inline constexpr size_t kWatchedNodesMax = 16;
std::vector<std::string> watched_hosts(const scenario::Scenario& s, const std::string& from, const std::string& to);
// "" for a lab watched whole; else a sentence saying what was not watched.
std::string watch_note(const scenario::Scenario& s, const std::string& from, const std::string& to);

trace::Snapshot take_snapshot(const RunningLab& lab, os::LinuxNetworkOps& net, const std::vector<std::string>& hosts);

// Writes trace-<probe>.json and trace-<probe>.pcapng into dir (created).
void write_trace_files(const trace::Trace& trace, const std::filesystem::path& dir);

}  // namespace ovl::lab
