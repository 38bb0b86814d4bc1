#include "core/lab/tracer.h"

#include <fstream>
#include <set>
#include <thread>

#include "core/daemon/udp_backend.h"
#include "core/lab/bringup.h"
#include "core/lab/services.h"
#include "core/lab/store_setup.h"
#include "core/os/capture.h"
#include "core/os/conntrack.h"
#include "core/overlay/lease.h"
#include "core/os/holders.h"
#include "core/scenario/names.h"
#include "core/scenario/parse.h"
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
  using Kind = os::EchoResult::Kind;
  switch (r.kind) {
    case Kind::reply:
      return report.spec.kind == scenario::ProbeKind::tcp && report.spec.size > 0
                 ? "reply: the handshake completed and " + std::to_string(r.delivered) + " bytes arrived"
                 : "reply";
    case Kind::timeout: return "no reply";
    case Kind::icmp_error:
      return std::string("ICMP ") + trace::icmp_name(r.icmp_type, r.icmp_code) +
             (r.mtu ? " (mtu " + std::to_string(r.mtu) + ")" : "") + " from " + r.from.str();
    case Kind::too_big: return "not sent: EMSGSIZE, the path MTU is " + std::to_string(r.mtu);
    case Kind::refused: return "refused: RST from " + r.from.str();
    case Kind::stalled:
      return "stalled: the handshake completed, but " + std::to_string(r.delivered) + " of " +
             std::to_string(report.spec.size) + " bytes arrived";
  }
  return "";
}

// The bytes of the probe's IPv4 packet: its payload and 28 bytes of IPv4
// and ICMP or UDP header.
int packet_size(const scenario::ProbeSpec& spec) { return spec.size + 28; }

// The sender's own kernel refused: nothing left, so the capture cannot say.
std::string refused_locally(const ProbeReport& report, int mtu) {
  return report.from + "'s kernel refused to send the " + std::to_string(packet_size(report.spec)) +
         "-byte packet: its DF bit is set and the path MTU " + report.from + " knows for " + report.dst.str() + " is " +
         std::to_string(mtu) + ", so the send failed with EMSGSIZE and nothing left " + report.from;
}

trace::HostState host_state(os::Rtnl& rtnl) {
  trace::HostState h;
  auto links = rtnl.links();
  for (const auto& l : links) {
    std::string master;
    for (const auto& m : links)
      if (m.index == l.master) master = m.name;
    h.links.push_back({l.name, l.kind, master, l.mac, l.mtu});
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

// Every host's underlay interface and its port on the segment's bridge.
std::map<std::string, trace::Wire> wires(const RunningLab& lab, os::LinuxNetworkOps& net) {
  std::map<std::string, int> port_mtu;
  for (const auto& l : net.rtnl(scenario::fabric_netns_name(lab.name)).links()) port_mtu[l.name] = l.mtu;
  std::map<std::string, trace::Wire> out;
  auto add = [&](const std::string& host, const std::string& iface, const std::string& segment) {
    auto port = scenario::fabric_port_name(host, iface);
    out[host + ":" + iface] = trace::Wire{segment, port, port_mtu[port]};
  };
  const auto& s = lab.scenario;
  for (const auto& n : s.nodes) add(n.name, n.iface, n.segment);
  for (const auto& r : s.routers)
    for (const auto& a : r.attaches) add(r.name, a.iface, a.segment);
  for (const auto& x : s.externals) add(x.name, x.iface, x.segment);
  return out;
}

}  // namespace

std::vector<std::string> watched_hosts(const scenario::Scenario& s, const std::string& from, const std::string& to) {
  if (s.nodes.size() <= kWatchedNodesMax) return s.host_names();
  std::set<std::string> ends;
  for (const auto& end : {from, to}) {
    ends.insert(end);
    if (const auto* node = s.node_of(end)) ends.insert(node->name);
  }
  std::vector<std::string> out;
  for (const auto& host : s.host_names())
    if (ends.count(host) || (!s.find_node(host) && !s.node_of(host))) out.push_back(host);
  return out;
}

std::string watch_note(const scenario::Scenario& s, const std::string& from, const std::string& to) {
  if (s.nodes.size() <= kWatchedNodesMax) return "";
  size_t nodes = 0;
  for (const auto& host : watched_hosts(s, from, to)) nodes += s.find_node(host) != nullptr;
  return "watched: " + from + ", " + to + ", their node" + (nodes == 1 ? "" : "s") +
         ", the routers and hosts outside the cluster; not the other " + std::to_string(s.nodes.size() - nodes) +
         " nodes (a lab of more than " + std::to_string(kWatchedNodesMax) + " nodes)";
}

trace::Snapshot take_snapshot(const RunningLab& lab, os::LinuxNetworkOps& net, const std::vector<std::string>& hosts) {
  trace::Snapshot s;
  s.overlay_port = lab.scenario.overlay.port;
  s.backend = scenario::to_string(lab.scenario.overlay.backend);
  for (const auto& host : hosts) s.hosts[host] = host_state(net.rtnl(scenario::netns_name(lab.name, host)));
  for (const auto& node : lab.scenario.nodes) {
    if (!s.hosts.count(node.name)) continue;
    auto& h = s.hosts[node.name];
    auto ns = scenario::netns_name(lab.name, node.name);
    h.daemon = daemon_state(lab, node);
    // Only a lab with ip-masq made nat rules; asking nf_tables elsewhere
    // could load its module on the host for nothing.
    if (!lab.scenario.overlay.ip_masq) continue;
    h.nat = os::postrouting_nat_rules(net.nftables(ns));
    h.conntrack = os::conntrack_entries(net.netns_fd(ns));
  }
  s.wires = wires(lab, net);
  return s;
}

namespace {

// The kernel's side of a trace: a capture socket on every interface of the
// lab's hosts, drained on a thread of its own while the probe is sent.
class LabCapture : public trace::CaptureSource {
 public:
  LabCapture(const std::vector<os::CaptureTarget>& targets, const std::vector<uint16_t>& ports,
             std::chrono::milliseconds limit)
      : capturer_(targets, ports), limit_(limit) {}
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
  LabSnapshot(const RunningLab& lab, os::LinuxNetworkOps& net, std::vector<std::string> hosts)
      : lab_(lab), net_(net), hosts_(std::move(hosts)) {}
  trace::Snapshot take() override { return take_snapshot(lab_, net_, hosts_); }

 private:
  const RunningLab& lab_;
  os::LinuxNetworkOps& net_;
  std::vector<std::string> hosts_;
};

std::vector<os::CaptureTarget> capture_targets(const RunningLab& lab, const std::vector<std::string>& hosts,
                                               bool fabric) {
  std::vector<os::CaptureTarget> targets;
  for (const auto& host : hosts) targets.push_back({scenario::netns_name(lab.name, host), host});
  if (fabric) targets.push_back({scenario::fabric_netns_name(lab.name), std::string(scenario::kFabricHost)});
  return targets;
}

}  // namespace

namespace {

trace::ProbeKey probe_key(const ProbeReport& report) {
  const auto& echo = report.echoes.at(0);
  trace::ProbeKey key;
  key.kind = report.spec.kind;
  key.id = report.id;
  key.seq = uint16_t(echo.seq);
  auto nonce = std::min(echo.payload.size(), scenario::kNonceBytes);
  key.nonce.assign(echo.payload.begin(), echo.payload.begin() + long(nonce));
  key.src = report.src;
  key.dst = report.dst;
  key.sport = echo.result.sport;
  key.dport = report.spec.port;
  key.size = uint32_t(report.spec.size);
  return key;
}

trace::Sent sent(const ProbeReport& report) {
  trace::Sent out{probe_key(report), report.received() > 0, report.reply_ttl(), outcome(report)};
  const auto& r = report.echoes.at(0).result;
  if (r.mtu) out.mtu = r.mtu;
  if (r.kind == os::EchoResult::Kind::too_big) out.why = refused_locally(report, r.mtu);
  return out;
}

std::vector<uint16_t> capture_ports(const RunningLab& lab, const scenario::ProbeSpec& spec) {
  std::vector<uint16_t> ports{lab.scenario.overlay.port};
  if (spec.kind != scenario::ProbeKind::icmp) ports.push_back(spec.port);
  return ports;
}

}  // namespace

Traced trace_probe(const RunningLab& lab, os::LinuxNetworkOps& net, const scenario::Probe& p,
                   const TraceOptions& options) {
  // A transfer may take the handshake's time and as long again.
  auto hosts = watched_hosts(lab.scenario, p.from, p.to);
  LabCapture capture(capture_targets(lab, hosts, options.fabric), capture_ports(lab, p.spec), 2 * options.timeout + 2s);
  LabSnapshot snapshot(lab, net, hosts);
  Traced out;
  out.trace = trace::run_trace(capture, snapshot, decode_options(lab.scenario.overlay), {p.name, p.from, p.to, p.spec},
                               [&] {
                                 ProbeOptions once{1, options.timeout, 0ms, p.spec};
                                 out.report = probe(lab, net, p.from, p.to, once, nullptr);
                                 return sent(out.report);
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
