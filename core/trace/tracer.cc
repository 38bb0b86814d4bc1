#include "core/trace/tracer.h"

#include "core/trace/explain.h"

namespace ovl::trace {

Trace run_trace(CaptureSource& capture, SnapshotSource& snapshot, const DecodeOptions& decode,
                const ProbeNames& names, const std::function<Sent()>& send) {
  capture.start();
  Sent sent;
  try {
    sent = send();
  } catch (...) {
    capture.finish();
    throw;
  }
  auto t = build_trace(capture.finish(), sent.key, decode);
  t.probe = names.probe;
  t.from = names.from;
  t.to = names.to;
  t.reply = sent.reply;
  t.ttl = sent.ttl;
  t.outcome = sent.outcome;
  explain(t, snapshot.take());
  return t;
}

}  // namespace ovl::trace
