#include "core/trace/walk.h"

#include <algorithm>
#include <map>

namespace ovl::trace {
namespace {

// How many innermost layers a and b share, by protocol.
size_t common_inner(const std::vector<Layer>& a, const std::vector<Layer>& b) {
  size_t n = 0;
  while (n < a.size() && n < b.size() && a[a.size() - 1 - n].proto == b[b.size() - 1 - n].proto) ++n;
  return n;
}

void mark_changes(const Hop& hop, const Hop* previous, HopWalk& w) {
  w.added.assign(hop.layers.size(), false);
  if (!previous) return;
  size_t shared = common_inner(hop.layers, previous->layers);
  for (size_t i = 0; i + shared < hop.layers.size(); ++i) w.added[i] = true;
  for (size_t i = 0; i + shared < previous->layers.size(); ++i) w.removed.push_back(&previous->layers[i]);
}

std::string first_word(const std::string& text) { return text.substr(0, text.find(' ')); }

// The word after key in text ("eth0" after "dev" in "10.0.0.1 dev eth0 ..."),
// without a trailing colon; empty when key is not there.
std::string word_after(const std::string& text, const std::string& key) {
  size_t at = (" " + text + " ").find(" " + key + " ");
  if (at == std::string::npos) return "";
  std::string word = first_word(text.substr(std::min(text.size(), at + key.size() + 1)));
  if (!word.empty() && word.back() == ':') word.pop_back();
  return word;
}

std::string field(const Layer* layer, const char* name) {
  if (!layer || !layer->fields.contains(name)) return "";
  const auto& v = layer->fields[name];
  return v.is_string() ? v.get<std::string>() : v.dump();
}

// etcdctl's view of a lease ("100.96.2.0/24 -> ..."), or the lab's status
// when the store is embedded.
std::string lease_command(const Decision& d, const Origin& o) {
  if (o.etcd_host.empty()) return "overlaylab status " + o.lab;
  std::string subnet = first_word(d.lease);
  std::string get = "overlaylab exec " + o.lab + " " + o.etcd_host + " -- etcdctl get ";
  if (subnet.find('/') == std::string::npos) return get + "--prefix " + o.etcd_prefix + "/subnets";
  subnet[subnet.find('/')] = '-';
  return get + o.etcd_prefix + "/subnets/" + subnet;
}

// Commands about the bridge and the host's own delivery or forwarding.
void local_commands(const Hop& hop, const Decision& d, const std::string& at, std::vector<std::string>& out) {
  std::string bridge = word_after(d.bridge, "bridge");
  if (!bridge.empty() && d.bridge.find("own address") != std::string::npos)
    out.push_back(at + "ip link show dev " + bridge);
  else if (!bridge.empty() && d.fdb.empty())
    out.push_back(at + "bridge fdb show br " + bridge);
  if (d.local.rfind("delivered", 0) == 0) out.push_back(at + "ip -4 addr show dev " + hop.iface);
  if (d.local.find("forwarded") != std::string::npos) out.push_back(at + "sysctl net.ipv4.ip_forward");
}

// Commands about the overlay: the daemon's socket and devices, VXLAN.
void overlay_commands(const Hop& hop, const Decision& d, const std::string& at, std::vector<std::string>& out) {
  if (d.userspace == "UDP receive") out.push_back(at + "ss -ulpn sport = :" + field(first(hop.layers, "udp"), "dport"));
  if (d.userspace == "TUN write") out.push_back(at + "ip -d link show dev " + hop.iface);
  if (first(hop.layers, "vxlan") && !d.encap.empty()) out.push_back(at + "ip -d link show type vxlan");
}

}  // namespace

std::vector<HopWalk> walk(const Trace& t) {
  std::vector<HopWalk> out(t.hops.size());
  // A packet's hops compare with that packet's: a TCP ACK's first hop with
  // nothing, not with the SYN's last.
  std::map<size_t, const Hop*> last_of;
  for (size_t i = 0; i < t.hops.size(); ++i) {
    const Hop& hop = t.hops[i];
    HopWalk& w = out[i];
    w.dt_ns = i ? hop.t_ns - t.hops[i - 1].t_ns : 0;
    w.since_ns = hop.t_ns - t.hops.front().t_ns;
    const Hop*& previous = last_of[hop.packet];
    mark_changes(hop, previous, w);
    previous = &hop;
    w.crossing = crossing(hop);
    w.commands = commands(hop, t.origin);
  }
  return out;
}

std::string crossing(const Hop& hop) {
  if (!hop.decision) return "";
  const auto& u = hop.decision->userspace;
  std::string who = hop.decision->process.empty() ? "overlayd" : hop.decision->process;
  if (u == "TUN read") return "kernel -> user space: " + who + " reads the packet from " + hop.iface;
  if (u == "TUN write") return "user space -> kernel: " + who + " writes the packet into " + hop.iface;
  if (u == "UDP send") return "user space -> kernel: " + who + " sends the datagram from its UDP socket";
  if (u == "UDP receive") return "kernel -> user space: " + who + " receives the datagram on its UDP socket";
  return u;
}

std::vector<std::string> commands(const Hop& hop, const Origin& o) {
  std::vector<std::string> out;
  if (!hop.decision || o.lab.empty()) return out;
  const Decision& d = *hop.decision;
  std::string at = "overlaylab exec " + o.lab + " " + hop.host + " -- ";
  std::string dst = field(outer_ipv4(hop.layers), "dst");
  if (!d.route.empty() && !dst.empty()) out.push_back(at + "ip route get " + dst);
  if (!d.neighbour.empty())
    out.push_back(at + "ip neigh show " + first_word(d.neighbour) + " dev " + word_after(d.neighbour, "dev"));
  if (!d.fdb.empty()) out.push_back(at + "bridge fdb show dev " + word_after(d.fdb, "dev"));
  if (!d.lease.empty()) out.push_back(lease_command(d, o));
  if (!d.nat.empty()) out.push_back(at + "nft list ruleset");
  if (!d.conntrack.empty()) out.push_back(at + "cat /proc/net/nf_conntrack");
  overlay_commands(hop, d, at, out);
  local_commands(hop, d, at, out);
  return out;
}

std::string hex(const std::vector<std::byte>& bytes) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out;
  out.reserve(bytes.size() * 2);
  for (auto b : bytes) {
    out += kDigits[std::to_integer<unsigned>(b) >> 4];
    out += kDigits[std::to_integer<unsigned>(b) & 15];
  }
  return out;
}

std::optional<std::vector<std::byte>> from_hex(const std::string& text) {
  auto digit = [](char c) { return c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1; };
  if (text.size() % 2) return std::nullopt;
  std::vector<std::byte> out(text.size() / 2);
  for (size_t i = 0; i < out.size(); ++i) {
    int hi = digit(text[2 * i]), lo = digit(text[2 * i + 1]);
    if (hi < 0 || lo < 0) return std::nullopt;
    out[i] = std::byte(hi * 16 + lo);
  }
  return out;
}

}  // namespace ovl::trace
