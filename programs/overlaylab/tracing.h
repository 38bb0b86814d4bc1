// Tracing shared by the trace, step and run verbs: trace one probe, print
// its table or step through it, write its files, and check an <expect>'s
// hop list against it.
#pragma once

#include <filesystem>
#include <string>

#include "core/lab/tracer.h"

namespace ovl::overlaylab {

// --out's default: ./overlaylab-out/<lab>/
std::filesystem::path default_out_dir(const std::string& lab);

// Traces the probe, prints the table (with step, walks it hop by hop
// instead, stepper.h), writes the files into out (the HTML walk among them).
// The expectations of the scenario for the probe's name (reply, ttl, hops)
// are checked and their failures printed. Returns true when all passed (a
// probe with no <expect> passes when it got a reply).
bool trace_and_check(const lab::RunningLab& lab, os::LinuxNetworkOps& net, const scenario::Probe& probe,
                     const lab::TraceOptions& options, const std::filesystem::path& out, bool step = false);

}  // namespace ovl::overlaylab
