// A backend moves packets between nodes for the leases the daemon learns of.
// Flannel's three: udp (TUN flannel0 + a user-space forwarder on UDP 8285),
// vxlan (kernel VXLAN device flannel.<vni>) and host-gw (plain routes).
#pragma once

#include <stdexcept>
#include <string>

#include "core/overlay/lease.h"
#include "core/overlay/network_config.h"
#include "core/overlay/status.h"

namespace ovl::overlay {

// The node's interface towards the underlay (Flannel's --iface).
struct ExternalIface {
  std::string name;
  net::Ipv4 ip;         // the interface's own address
  net::Ipv4 public_ip;  // what peers send to (--public-ip, else ip)
  int mtu = 1500;
};

// Thrown by add_peer for a peer this backend cannot serve (host-gw to a node
// off the segment, a vxlan lease without BackendData). Not fatal: the daemon
// logs the sentence and carries on; status() reports it under the peer.
struct PeerSkipped : std::runtime_error {
  using std::runtime_error::runtime_error;
};

class Backend {
 public:
  virtual ~Backend() = default;
  virtual std::string type() const = 0;
  // FLANNEL_MTU for this backend over the external interface.
  virtual int mtu() const = 0;
  // Before the lease: makes what the lease must describe (vxlan's VTEP MAC)
  // and returns the attributes to publish.
  virtual LeaseAttrs prepare() = 0;
  // With the lease: addresses the device and starts forwarding.
  virtual void start(const Lease& own) = 0;
  virtual void add_peer(const Lease& peer) = 0;
  virtual void remove_peer(const net::Cidr& subnet) = 0;
  virtual void stop() = 0;
  // Fills the backend's part of the status file: device, port, peers (the
  // skipped ones with their problem) and its own counters.
  virtual void describe(DaemonStatus& status) const = 0;
};

}  // namespace ovl::overlay
