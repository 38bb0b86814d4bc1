#include "core/trace/tracer.h"

#include "core/trace/explain.h"
#include "core/trace/verdict.h"

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
  t.spec = names.spec;
  t.reply = sent.reply;
  t.ttl = sent.ttl;
  if (t.reply && !t.ttl) t.ttl = captured_reply_ttl(t);
  t.outcome = sent.outcome;
  t.mtu = sent.mtu;
  t.why = sent.why;
  auto s = snapshot.take();
  explain(t, s);
  judge(t, s);
  return t;
}

}  // namespace ovl::trace
