// overlayd's status file (--status-file): what the daemon leased, the peers
// its backend serves and its counters, rewritten every second and at once on
// a change. overlaylab's status verb, its bring-up (which waits until every
// daemon knows every peer) and the tracer (which explains hops with the
// daemon's lease table) read it. The type and its JSON live here, once, so
// the writer and the readers cannot disagree about a key.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/net/ipv4.h"
#include "core/overlay/lease.h"

namespace ovl::overlay {

struct Counters;

struct PeerStatus {
  net::Cidr subnet;
  net::Ipv4 public_ip;
  std::optional<uint16_t> port;      // udp and vxlan: where datagrams go
  std::optional<net::Mac> vtep_mac;  // vxlan
  std::string via;                   // host-gw: the interface the route uses
  std::string problem;               // why the backend does not serve it; "" when it does
  bool operator==(const PeerStatus&) const = default;
};

// The udp forwarder's counters at one moment (forwarder.h's Counters are
// the live atomics).
struct CounterValues {
  uint64_t tun_rx_packets = 0, tun_rx_bytes = 0, udp_tx_packets = 0, udp_tx_bytes = 0;
  uint64_t udp_rx_packets = 0, udp_rx_bytes = 0, tun_tx_packets = 0, tun_tx_bytes = 0;
  uint64_t icmp_unreachable_sent = 0;
  uint64_t drop_no_route = 0, drop_ttl = 0, drop_malformed = 0, drop_truncated = 0;
  uint64_t tun_rx_super_packets = 0, gso_segments = 0, udp_tx_gso_sends = 0, udp_rx_gro_buffers = 0;
  uint64_t tun_tx_super_packets = 0, coalesced_segments = 0;
  bool operator==(const CounterValues&) const = default;
};
CounterValues snapshot(const Counters& counters);

// What the kernel granted the fast data plane.
struct Offloads {
  bool vnet_hdr = false, tun_csum = false, tso = false, uso = false;
  bool udp_gso = false, udp_gro = false, forced_buffers = false;
  bool operator==(const Offloads&) const = default;
};

// The udp socket's buffers as the kernel reports them (SO_RCVBUF and
// SO_SNDBUF read back), and whether the daemon asked for any: Flannel's
// proxy never does, so it runs on net.core.rmem_default/wmem_default.
struct SocketBuffers {
  int rcvbuf = 0, sndbuf = 0;
  bool kernel_default = true;
  bool operator==(const SocketBuffers&) const = default;
};

struct UdpStatus {
  std::string dataplane;  // "simple" or "fast"
  CounterValues counters;
  std::optional<Offloads> offloads;  // fast only
  SocketBuffers buffers;
  bool operator==(const UdpStatus&) const = default;
};

struct VxlanStatus {
  uint32_t vni = 1;
  net::Mac vtep_mac;
  std::string device_history;  // created, reused, or recreated and why
  bool operator==(const VxlanStatus&) const = default;
};

struct StoreStatus {
  std::string name;  // the store as the daemon describes it
  bool ok = true;
  std::string error;  // the last failure while it is not ok
  bool operator==(const StoreStatus&) const = default;
};

struct DaemonStatus {
  // Set by the daemon.
  int pid = 0;
  std::string backend;  // "udp", "vxlan" or "host-gw"
  std::string iface;
  net::Ipv4 public_ip;
  net::Cidr lease;
  std::string lease_expires;  // UTC, as log.h's utc_timestamp
  std::string lease_renewed;  // UTC of the last renewal; "" before the first
  std::string lease_next_renewal;  // UTC of the next attempt
  std::string lease_renew_error;   // why the last attempt failed; "" once one succeeds
  int mtu = 0;
  StoreStatus store;
  // Values under <prefix>/subnets the daemon does not route by, now, and
  // how many it has met since it started (a value counts once until it
  // changes).
  std::vector<UnusableLease> unusable_leases;
  uint64_t unusable_seen = 0;
  std::string updated;
  // Set by the backend (Backend::describe).
  std::string device;  // flannel0, flannel.<vni>, or host-gw's external interface
  std::optional<uint16_t> port;
  std::vector<PeerStatus> peers;
  std::optional<UdpStatus> udp;
  std::optional<VxlanStatus> vxlan;
  std::optional<net::Cidr> segment;  // host-gw: the external interface's subnet
  bool operator==(const DaemonStatus&) const = default;
};

std::string to_json(const DaemonStatus& status);
// nullopt for text that is not a status file (absent, half-written, other).
std::optional<DaemonStatus> parse_daemon_status(std::string_view text);

}  // namespace ovl::overlay
