// A probe's walk: the sightings that belong to it, decoded, grouped into the
// packets of the exchange (an echo request and its reply; a SYN, SYN-ACK and
// ACK; each fragment of a datagram), the packets in the order they first
// appeared and each one's hops in kernel-timestamp order, each hop with the
// decision taken there (explain.h) and on a request or reply leg. This is
// what every output renders.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "core/trace/decode.h"
#include "core/trace/sighting.h"

namespace ovl::trace {

// Why a hop went where it went. Each field is one line, empty when it does
// not apply; text() joins them for a table.
struct Decision {
  std::string route;      // as `ip route get` prints it
  std::string matched;    // the entry that matched, as `ip route` prints it
  std::string neighbour;  // as `ip neigh` prints it
  std::string fdb;        // as `bridge fdb` prints it
  std::string bridge;     // what the bridge did with the frame
  std::string lease;      // the daemon's lease entry (subnet -> PublicIP:port)
  std::string encap;      // encapsulation added or removed here
  std::string local;      // delivered to this host, or forwarded onward
  std::string userspace;  // "TUN read", "UDP send", "UDP receive", "TUN write"
  std::string process;    // with userspace: who crossed, as /proc showed it ("overlayd (pid 4242)")
  std::string sentence;   // all of the above as one sentence, for a student
  std::string nat;        // what the nat rules did here: the rule that matched
  std::string conntrack;  // the conntrack entry of the flow, as /proc/net/nf_conntrack shows it
  bool empty() const;
  std::string text() const;
};

struct Hop {
  int seq = 0;
  int64_t t_ns = 0;
  size_t point = 0;
  std::string host, iface;
  Direction dir = Direction::in;
  Leg leg = Leg::request;
  size_t packet = 0;  // index into Trace::packets
  LinkType link = LinkType::ethernet;
  std::vector<Layer> layers;
  std::optional<Decision> decision;
  std::vector<std::byte> bytes;
  uint32_t wire_len = 0;
  std::string name() const { return host + ":" + iface; }
};

// Where a trace was taken, so that the walk can name the commands a student
// types to look for themselves (walk.h).
struct Origin {
  std::string lab;          // for `overlaylab exec LAB HOST -- ...`
  std::string backend;      // "udp", "vxlan", "host-gw"
  std::string etcd_host;    // the host where etcdctl reaches the leases; empty for the embedded store
  std::string etcd_prefix;  // "/coreos.com/network"
};

// One packet of the exchange: "echo request", "SYN-ACK", "datagram,
// fragment at offset 1480", "ICMP fragmentation needed (mtu 1472) from ...".
// A retransmission is a packet of its own.
struct Packet {
  std::string name;
  Leg leg = Leg::request;
};

struct Trace {
  std::string probe, from, to;
  Origin origin;
  net::Ipv4 src, dst;  // as sent
  scenario::ProbeSpec spec;  // what was sent
  std::vector<CapturePoint> points;
  std::vector<Packet> packets;  // in the order each first appeared
  std::vector<Hop> hops;        // packet by packet, each packet's hops in time order
  bool reply = false;
  std::optional<int> ttl;  // of the reply as received
  std::string outcome;     // "reply", "ICMP net unreachable from 100.96.1.0", "no reply"
  std::optional<int> mtu;  // the MTU that stopped the probe, when one did
  std::string why;         // when the probe failed: one sentence saying why (verdict.h)

  // User/kernel crossings the daemons made on a leg (hops with userspace set).
  int crossings(Leg leg) const;
  // The last hop of a leg, or nullptr when the leg never appeared.
  const Hop* last(Leg leg) const;
};

// Keeps the sightings that carry the probe, decodes them and orders them.
// Equal timestamps (a bridge and its port see one skb) are ordered by
// topology: a port before its bridge on the way in, after it on the way out.
// For TCP the client's initial sequence number is read from its SYN first.
Trace build_trace(const Capture& capture, ProbeKey key, const DecodeOptions& options);

}  // namespace ovl::trace
