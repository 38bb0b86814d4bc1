#include "core/overlay/status.h"

#include <nlohmann/json.hpp>

#include "core/overlay/forwarder.h"

namespace ovl::overlay {
namespace {

using Json = nlohmann::ordered_json;

// Each counter once, with the key it has in the file: drops and the fast
// path's counters sit in objects of their own.
struct CounterKey {
  const char* group;  // "" for the top of "counters"
  const char* name;
  uint64_t CounterValues::*field;
};
constexpr CounterKey kCounterKeys[] = {
    {"", "tun_rx_packets", &CounterValues::tun_rx_packets},
    {"", "tun_rx_bytes", &CounterValues::tun_rx_bytes},
    {"", "udp_tx_packets", &CounterValues::udp_tx_packets},
    {"", "udp_tx_bytes", &CounterValues::udp_tx_bytes},
    {"", "udp_rx_packets", &CounterValues::udp_rx_packets},
    {"", "udp_rx_bytes", &CounterValues::udp_rx_bytes},
    {"", "tun_tx_packets", &CounterValues::tun_tx_packets},
    {"", "tun_tx_bytes", &CounterValues::tun_tx_bytes},
    {"", "icmp_unreachable_sent", &CounterValues::icmp_unreachable_sent},
    {"fast", "tun_rx_super_packets", &CounterValues::tun_rx_super_packets},
    {"fast", "gso_segments", &CounterValues::gso_segments},
    {"fast", "udp_tx_gso_sends", &CounterValues::udp_tx_gso_sends},
    {"fast", "udp_rx_gro_buffers", &CounterValues::udp_rx_gro_buffers},
    {"fast", "tun_tx_super_packets", &CounterValues::tun_tx_super_packets},
    {"fast", "coalesced_segments", &CounterValues::coalesced_segments},
    {"drops", "no_route", &CounterValues::drop_no_route},
    {"drops", "ttl", &CounterValues::drop_ttl},
    {"drops", "malformed", &CounterValues::drop_malformed},
    {"drops", "truncated", &CounterValues::drop_truncated},
};

struct OffloadKey {
  const char* name;
  bool Offloads::*flag;
};
constexpr OffloadKey kOffloadFlags[] = {
    {"vnet_hdr", &Offloads::vnet_hdr}, {"tun_csum", &Offloads::tun_csum}, {"tso", &Offloads::tso},
    {"uso", &Offloads::uso},           {"udp_gso", &Offloads::udp_gso},   {"udp_gro", &Offloads::udp_gro},
    {"forced_buffers", &Offloads::forced_buffers},
};

Json counters_json(const CounterValues& c) {
  Json out = Json::object();
  for (const auto& k : kCounterKeys) (*k.group ? out[k.group][k.name] : out[k.name]) = c.*k.field;
  return out;
}

CounterValues counters_from(const Json& j) {
  CounterValues c;
  for (const auto& k : kCounterKeys) {
    const Json& where = *k.group ? j.at(k.group) : j;
    c.*k.field = where.at(k.name).get<uint64_t>();
  }
  return c;
}

Json offloads_json(const Offloads& o) {
  Json out = Json::object();
  for (const auto& k : kOffloadFlags) out[k.name] = o.*k.flag;
  return out;
}

Offloads offloads_from(const Json& j) {
  Offloads o;
  for (const auto& k : kOffloadFlags) o.*k.flag = j.at(k.name).get<bool>();
  return o;
}

Json peer_json(const PeerStatus& p) {
  Json out = {{"subnet", p.subnet.str()}, {"public_ip", p.public_ip.str()}};
  if (p.port) out["port"] = *p.port;
  if (p.vtep_mac) out["vtep_mac"] = p.vtep_mac->str();
  if (!p.via.empty()) out["via"] = p.via;
  if (!p.problem.empty()) out["problem"] = p.problem;
  return out;
}

template <class T>
T parsed(const Json& j, const char* key, std::optional<T> (*parse)(std::string_view)) {
  auto value = parse(j.at(key).get<std::string>());
  if (!value) throw std::invalid_argument(std::string("bad ") + key);
  return *value;
}

PeerStatus peer_from(const Json& j) {
  PeerStatus p;
  p.subnet = parsed(j, "subnet", &net::Cidr::parse);
  p.public_ip = parsed(j, "public_ip", &net::Ipv4::parse);
  if (j.contains("port")) p.port = j["port"].get<uint16_t>();
  if (j.contains("vtep_mac")) p.vtep_mac = parsed(j, "vtep_mac", &net::Mac::parse);
  p.via = j.value("via", "");
  p.problem = j.value("problem", "");
  return p;
}

// The backend's part first, as the file has always been laid out.
Json backend_json(const DaemonStatus& s) {
  Json out = {{"device", s.device}};
  if (s.vxlan) {
    out["vni"] = s.vxlan->vni;
    out["vtep_mac"] = s.vxlan->vtep_mac.str();
  }
  if (s.port) out["port"] = *s.port;
  if (s.vxlan) out["device_history"] = s.vxlan->device_history;
  if (s.segment) out["segment"] = s.segment->str();
  Json peers = Json::array();
  for (const auto& p : s.peers) peers.push_back(peer_json(p));
  out["peers"] = peers;
  if (s.udp) {
    out["dataplane"] = s.udp->dataplane;
    out["counters"] = counters_json(s.udp->counters);
    if (s.udp->offloads) out["offloads"] = offloads_json(*s.udp->offloads);
    const auto& b = s.udp->buffers;
    out["socket_buffers"] = {{"rcvbuf", b.rcvbuf}, {"sndbuf", b.sndbuf}, {"kernel_default", b.kernel_default}};
  }
  return out;
}

DaemonStatus from_json(const Json& j) {
  DaemonStatus s;
  s.pid = j.at("pid").get<int>();
  s.backend = j.at("backend").get<std::string>();
  s.iface = j.at("iface").get<std::string>();
  s.public_ip = parsed(j, "public_ip", &net::Ipv4::parse);
  const auto& lease = j.at("lease");
  s.lease = parsed(lease, "subnet", &net::Cidr::parse);
  s.lease_expires = lease.at("expires").get<std::string>();
  s.lease_renewed = lease.value("renewed", "");
  s.lease_next_renewal = lease.value("next_renewal", "");
  s.lease_renew_error = lease.value("renew_error", "");
  s.mtu = j.at("mtu").get<int>();
  const auto& store = j.at("store");
  s.store = {store.at("name").get<std::string>(), store.at("ok").get<bool>(), store.value("error", "")};
  s.updated = j.value("updated", "");
  if (j.contains("unusable_leases")) {
    const auto& u = j.at("unusable_leases");
    s.unusable_seen = u.at("seen").get<uint64_t>();
    for (const auto& one : u.at("now"))
      s.unusable_leases.push_back({one.at("key").get<std::string>(), one.at("reason").get<std::string>()});
  }
  s.device = j.at("device").get<std::string>();
  if (j.contains("port")) s.port = j["port"].get<uint16_t>();
  for (const auto& p : j.at("peers")) s.peers.push_back(peer_from(p));
  if (j.contains("dataplane")) {
    s.udp = UdpStatus{j["dataplane"].get<std::string>(), counters_from(j.at("counters")), std::nullopt, {}};
    if (j.contains("offloads")) s.udp->offloads = offloads_from(j["offloads"]);
    const auto& b = j.at("socket_buffers");
    s.udp->buffers = {b.at("rcvbuf").get<int>(), b.at("sndbuf").get<int>(), b.at("kernel_default").get<bool>()};
  }
  if (j.contains("vni"))
    s.vxlan = VxlanStatus{j["vni"].get<uint32_t>(), parsed(j, "vtep_mac", &net::Mac::parse),
                          j.value("device_history", "")};
  if (j.contains("segment")) s.segment = parsed(j, "segment", &net::Cidr::parse);
  return s;
}

}  // namespace

CounterValues snapshot(const Counters& c) {
  auto v = [](const std::atomic<uint64_t>& a) { return a.load(std::memory_order_relaxed); };
  return {v(c.tun_rx_packets),       v(c.tun_rx_bytes),     v(c.udp_tx_packets),     v(c.udp_tx_bytes),
          v(c.udp_rx_packets),       v(c.udp_rx_bytes),     v(c.tun_tx_packets),     v(c.tun_tx_bytes),
          v(c.icmp_unreachable_sent), v(c.drop_no_route),   v(c.drop_ttl),           v(c.drop_malformed),
          v(c.drop_truncated),       v(c.tun_rx_super_packets), v(c.gso_segments),  v(c.udp_tx_gso_sends),
          v(c.udp_rx_gro_buffers),   v(c.tun_tx_super_packets), v(c.coalesced_segments)};
}

std::string to_json(const DaemonStatus& s) {
  Json out = backend_json(s);
  out["pid"] = s.pid;
  out["backend"] = s.backend;
  out["iface"] = s.iface;
  out["public_ip"] = s.public_ip.str();
  out["lease"] = {{"subnet", s.lease.str()},          {"expires", s.lease_expires},
                  {"renewed", s.lease_renewed},        {"next_renewal", s.lease_next_renewal},
                  {"renew_error", s.lease_renew_error}};
  out["mtu"] = s.mtu;
  out["store"] = {{"name", s.store.name}, {"ok", s.store.ok}, {"error", s.store.error}};
  Json unusable = Json::array();
  for (const auto& u : s.unusable_leases) unusable.push_back({{"key", u.key}, {"reason", u.reason}});
  out["unusable_leases"] = {{"seen", s.unusable_seen}, {"now", unusable}};
  out["updated"] = s.updated;
  return out.dump(2) + "\n";
}

std::optional<DaemonStatus> parse_daemon_status(std::string_view text) {
  auto j = Json::parse(text, nullptr, false);
  if (j.is_discarded() || !j.is_object()) return std::nullopt;
  try {
    return from_json(j);
  } catch (const std::exception&) {  // a key missing or of the wrong type
    return std::nullopt;
  }
}

}  // namespace ovl::overlay
