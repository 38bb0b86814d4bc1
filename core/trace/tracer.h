// Tracing one probe as a pipeline over two sources the caller provides, so
// that it runs the same on the kernel (core/lab) and on recorded sightings
// (tests):
//
//   capture.start() -> send() -> capture.finish() -> snapshot.take()
//     -> build_trace (match, decode, order) -> explain (decisions per hop)
//     -> judge (why a probe went unanswered)
#pragma once

#include <functional>
#include <optional>
#include <string>

#include "core/trace/decode.h"
#include "core/trace/sighting.h"
#include "core/trace/snapshot.h"
#include "core/trace/trace.h"

namespace ovl::trace {

class CaptureSource {
 public:
  virtual ~CaptureSource() = default;
  // Capturing from now on: every sighting from here to finish() counts.
  virtual void start() = 0;
  // Stops and returns what was seen.
  virtual Capture finish() = 0;
};

class SnapshotSource {
 public:
  virtual ~SnapshotSource() = default;
  // The hosts' tables and daemons' state as they are now.
  virtual Snapshot take() = 0;
};

// What sending the probe gave: how to recognise it, and how it ended.
struct Sent {
  ProbeKey key;
  bool reply = false;
  std::optional<int> ttl;  // of the reply as received; from the capture when unset
  std::string outcome;     // "reply", "no reply", "ICMP net unreachable from ..."
  std::optional<int> mtu{};  // what the sender was told the path MTU is, when it was refused
  std::string why{};         // when the sender itself knows why the probe failed
};

struct ProbeNames {
  std::string probe, from, to;
  scenario::ProbeSpec spec{};
};

// Captures around send(), then builds and explains the probe's trace. When
// send() throws, the capture is stopped before the exception goes on.
Trace run_trace(CaptureSource& capture, SnapshotSource& snapshot, const DecodeOptions& decode,
                const ProbeNames& names, const std::function<Sent()>& send);

}  // namespace ovl::trace
