#include "core/lab/tracer.h"

#include <fstream>
#include <thread>

#include "core/daemon/udp_backend.h"
#include "core/lab/bringup.h"
#include "core/lab/services.h"
#include "core/lab/store_setup.h"
#include "core/os/capture.h"
#include "core/overlay/lease.h"
#include "core/os/holders.h"
#include "core/scenario/names.h"
#include "core/trace/decode.h"
#include "core/trace/render.h"
#include "core/trace/tracer.h"

namespace ovl::lab {
namespace fs = std::filesystem;
namespace {

using namespace std::chrono_literals;

trace::DecodeOptions decode_options(const scenario::Overlay& o) {
  switch (o.backend) {
    case scenario::Backend::udp: return {o.port, 0};
    case scenario::Backend::vxlan: return {0, o.port};
    case scenario::Backend::host_gw: return {0, 0};
  }
  return {};
}

std::string outcome(const ProbeReport& report) {
  if (report.echoes.empty()) return "not sent";
  const auto& r = report.echoes.front().result;
  switch (r.kind) {
    case os::EchoResult::Kind::reply: return "reply";
    case os::EchoResult::Kind::timeout: return "no reply";
    case os::EchoResult::Kind::icmp_error:
      return std::string("ICMP ") + trace::icmp_name(r.icmp_type, r.icmp_code) + " from " + r.from.str();
  }
  return "";
}

trace::HostState host_state(os::Rtnl& rtnl) {
  trace::HostState h;
  auto links = rtnl.links();
  for (const auto& l : links) {
    std::string master;
    for (const auto& m : links)
      if (m.index == l.master) master = m.name;
    h.links.push_back({l.name, l.kind, master, l.mac});
  }
  for (const auto& a : rtnl.addresses()) h.addrs.push_back({a.dev, a.address});
  for (const auto& r : rtnl.routes()) h.routes.push_back({r.dst, r.via, r.src, r.dev, r.protocol, r.scope, r.onlink});
  for (const auto& n : rtnl.neighbours())
    if (n.ip) h.neighbours.push_back({n.dev, *n.ip, n.mac, n.state_name()});
  for (const auto& f : rtnl.all_fdb())
    if (f.mac) h.fdb.push_back({f.dev, f.master, *f.mac, f.dst, f.permanent(), f.self});
  return h;
}

// The store's leases but node's own, as the peers of a daemon whose own
// table the lab cannot read (an external one); none when the store is away.
std::vector<trace::PeerEntry> peers_in_store(const RunningLab& lab, const net::Cidr& own) {
  std::vector<trace::PeerEntry> out;
  try {
    auto store = open_lab_store(lab.scenario, lab.name, lab.dir);
    for (const auto& l : store->leases().leases)
      if (l.subnet != own) out.push_back({l.subnet, l.attrs.public_ip, lab.scenario.overlay.port});
  } catch (const std::exception&) {
  }
  return out;
}

// What a node's daemon knows: its status file when it writes one (overlayd
// does), else, for an external daemon, its subnet.env and the store. The
// processes holding flannel0 and the UDP port come from /proc either way.
std::optional<trace::DaemonState> daemon_state(const RunningLab& lab, const scenario::Node& node) {
  trace::DaemonState d;
  d.name = scenario::daemon_name(node);
  if (auto s = read_status(lab.dir, node.name)) {
    d.backend = s->backend;
    d.lease = s->lease;
    for (const auto& p : s->peers) d.peers.push_back({p.subnet, p.public_ip, p.port.value_or(0)});
  } else if (auto lease = read_lease(lab.dir, node.name); lease && node.external()) {
    d.backend = scenario::to_string(lab.scenario.overlay.backend);
    d.lease = lease->subnet;
    d.peers = peers_in_store(lab, lease->subnet);
    d.peers_from_store = true;
  } else {
    return std::nullopt;
  }
  if (lab.scenario.overlay.backend == scenario::Backend::udp) {
    auto netns = scenario::netns_name(lab.name, node.name);
    d.tun_holder = os::describe(os::tun_holders(netns, daemon::kUdpDevice));
    d.socket_holder = os::describe(os::udp_holders(netns, lab.scenario.overlay.port));
  }
  return d;
}

// Where the walk's commands look: this lab, and etcd in its node's namespace.
trace::Origin origin(const RunningLab& lab) {
  const auto& o = lab.scenario.overlay;
  bool etcd = o.store == scenario::Store::etcd;
  return {lab.name, scenario::to_string(o.backend), etcd ? o.etcd_node : "", etcd ? overlay::kDefaultPrefix : ""};
}

}  // namespace

trace::Snapshot take_snapshot(const RunningLab& lab, os::LinuxNetworkOps& net) {
  trace::Snapshot s;
  s.overlay_port = lab.scenario.overlay.port;
  s.backend = scenario::to_string(lab.scenario.overlay.backend);
  for (const auto& host : lab.scenario.host_names())
    s.hosts[host] = host_state(net.rtnl(scenario::netns_name(lab.name, host)));
  for (const auto& node : lab.scenario.nodes) s.hosts[node.name].daemon = daemon_state(lab, node);
  return s;
}

namespace {

// The kernel's side of a trace: a capture socket on every interface of the
// lab's hosts, drained on a thread of its own while the probe is sent.
class LabCapture : public trace::CaptureSource {
 public:
  LabCapture(const std::vector<os::CaptureTarget>& targets, uint16_t port, std::chrono::milliseconds limit)
      : capturer_(targets, port), limit_(limit) {}
  ~LabCapture() override {
    if (!collector_.joinable()) return;
    capturer_.stop();
    collector_.join();
  }
  void start() override { collector_ = std::thread([this] { capturer_.collect(limit_); }); }
  trace::Capture finish() override {
    // The reply is read from the probe socket as the last hop is captured;
    // give the capture sockets a moment to queue it.
    std::this_thread::sleep_for(20ms);
    capturer_.stop();
    collector_.join();
    return capturer_.take();
  }

 private:
  os::Capturer capturer_;
  std::chrono::milliseconds limit_;
  std::thread collector_;
};

class LabSnapshot : public trace::SnapshotSource {
 public:
  LabSnapshot(const RunningLab& lab, os::LinuxNetworkOps& net) : lab_(lab), net_(net) {}
  trace::Snapshot take() override { return take_snapshot(lab_, net_); }

 private:
  const RunningLab& lab_;
  os::LinuxNetworkOps& net_;
};

std::vector<os::CaptureTarget> capture_targets(const RunningLab& lab, bool fabric) {
  std::vector<os::CaptureTarget> targets;
  for (const auto& host : lab.scenario.host_names()) targets.push_back({scenario::netns_name(lab.name, host), host});
  if (fabric) targets.push_back({scenario::fabric_netns_name(lab.name), std::string(scenario::kFabricHost)});
  return targets;
}

}  // namespace

Traced trace_probe(const RunningLab& lab, os::LinuxNetworkOps& net, const std::string& probe_name,
                   const std::string& from, const std::string& to, const TraceOptions& options) {
  LabCapture capture(capture_targets(lab, options.fabric), lab.scenario.overlay.port, options.timeout + 2s);
  LabSnapshot snapshot(lab, net);
  Traced out;
  out.trace = trace::run_trace(capture, snapshot, decode_options(lab.scenario.overlay), {probe_name, from, to}, [&] {
    out.report = probe(lab, net, from, to, ProbeOptions{1, options.timeout, 0ms}, nullptr);
    const auto& echo = out.report.echoes.at(0);
    trace::ProbeKey key{out.report.id, uint16_t(echo.seq),
                        std::vector<std::byte>(echo.payload.begin(), echo.payload.begin() + kNonceSize),
                        out.report.dst};
    return trace::Sent{key, out.report.received() > 0, out.report.reply_ttl(), outcome(out.report)};
  });
  out.trace.origin = origin(lab);
  return out;
}

void write_trace_files(const trace::Trace& t, const fs::path& dir) {
  fs::create_directories(dir);
  std::ofstream(dir / ("trace-" + t.probe + ".json")) << trace::to_json(t).dump(2) << "\n";
  std::ofstream(dir / ("trace-" + t.probe + ".pcapng"), std::ios::binary) << trace::to_pcapng(t);
}

}  // namespace ovl::lab
