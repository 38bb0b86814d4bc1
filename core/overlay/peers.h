// The per-peer half of Flannel's vxlan and host-gw backends: what each peer
// lease turns into in the node's kernel, as NetworkOps steps (so the same
// entries print as the commands a student would type, and tests hold them
// against DESIGN.md's table with a fake). The devices themselves are the
// backends' business (core/daemon).
//
// vxlan (pkg/backend/vxlan), for each peer in this order:
//
//   ip neigh replace <peer net> lladdr <VtepMAC> nud permanent dev flannel.1
//   bridge fdb replace <VtepMAC> dst <peer PublicIP> self permanent dev flannel.1
//   ip route replace <peer subnet> via <peer net> dev flannel.1 onlink
//
// so the route picks the neighbour, the neighbour gives the inner MAC and the
// FDB entry for that MAC gives the outer destination.
//
// host-gw (pkg/backend/hostgw): one route per peer,
//
//   ip route replace <peer subnet> via <peer PublicIP> dev <iface>
//
// which needs the peer on the external interface's segment; a peer that is
// not is skipped with a sentence saying so.
#pragma once

#include <map>
#include <string>
#include <utility>

#include "core/overlay/backend.h"
#include "core/overlay/lease.h"
#include "core/overlay/status.h"
#include "core/scenario/network_ops.h"

namespace ovl::overlay {

// Peers the backend knows, and those it skipped with the reason.
class PeerBook {
 public:
  const Lease* find(const net::Cidr& subnet) const;
  void serve(const Lease& peer);
  // Forgets the peer either way; returns it if it was served.
  std::optional<Lease> forget(const net::Cidr& subnet);
  // Records why peer is not served and throws PeerSkipped with it.
  [[noreturn]] void skip(const Lease& peer, const std::string& why);
  // One PeerStatus per peer; fill adds the backend's fields to served ones.
  void describe(DaemonStatus& s, const std::function<void(const Lease&, PeerStatus&)>& fill) const;

 private:
  std::map<net::Cidr, Lease> served_;
  std::map<net::Cidr, std::pair<Lease, std::string>> skipped_;
};

class VxlanPeers {
 public:
  // device: flannel.<vni> in the caller's namespace; port: the VXLAN port.
  VxlanPeers(scenario::NetworkOps& net, std::string device, uint16_t port);

  // Programs (or reprograms, when its lease changed) a peer; throws
  // PeerSkipped for a lease without VXLAN BackendData.
  void add(const Lease& peer);
  void remove(const net::Cidr& subnet);
  void describe(DaemonStatus& s) const;

 private:
  void program(const Lease& peer);
  void unprogram(const Lease& peer);

  scenario::NetworkOps& net_;
  std::string device_;
  uint16_t port_;
  PeerBook book_;
};

class HostGwPeers {
 public:
  // iface: the external interface; segment: its connected subnet.
  HostGwPeers(scenario::NetworkOps& net, std::string iface, net::Cidr segment);

  // Routes a peer; throws PeerSkipped for a peer of another backend or off the segment.
  void add(const Lease& peer);
  void remove(const net::Cidr& subnet);
  void describe(DaemonStatus& s) const;

 private:
  scenario::NetworkOps& net_;
  std::string iface_;
  net::Cidr segment_;
  PeerBook book_;
};

// The sentence for a peer off this node's segment, or "" when it is on it.
std::string hostgw_unreachable(const net::Cidr& peer_subnet, net::Ipv4 peer_ip, const std::string& iface,
                               const net::Cidr& segment);

}  // namespace ovl::overlay
