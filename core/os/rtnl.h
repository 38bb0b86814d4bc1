// Route netlink through libnl, bound to one network namespace: links,
// addresses, routes, neighbours and FDB entries. Each call is one kernel
// request; errors name the operation and the object.
#pragma once

#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "core/net/ipv4.h"

struct nl_sock;

namespace ovl::os {

class NetlinkError : public std::runtime_error {
 public:
  NetlinkError(const std::string& what, int nl_error);
  int nl_error() const { return nl_error_; }
  // The object was not there (no such link, route, neighbour or address).
  bool missing() const;

 private:
  int nl_error_;
};

// Runs fn, ignoring a NetlinkError that says the object was not there: for
// best-effort removal, where an entry that is already gone is fine.
template <class Fn>
void unless_missing(Fn fn) {
  try {
    fn();
  } catch (const NetlinkError& e) {
    if (!e.missing()) throw;
  }
}

struct RouteSpec {
  net::Cidr dst;                   // 0.0.0.0/0 for the default route
  std::optional<net::Ipv4> via;    // gateway; none for a device route
  std::string dev;
  bool onlink = false;             // RTNH_F_ONLINK, as Flannel's vxlan routes
};

struct VxlanSpec {
  std::string name;
  uint32_t vni = 1;
  net::Ipv4 local;
  std::string dev;  // the underlay interface
  uint16_t port = 8472;
  bool learning = false;
  int mtu = 1450;
  std::optional<net::Mac> mac;  // absent: the kernel picks a random one
};

struct LinkInfo {
  int index = 0;
  std::string name;
  std::string kind;  // "veth", "bridge", "tun", "vxlan", ... ("" for loopback)
  int mtu = 0;
  bool up = false;
  std::optional<net::Mac> mac;
  int master = 0;
};

struct AddressInfo {
  std::string dev;
  net::Cidr address;
};

struct RouteInfo {
  net::Cidr dst;
  std::optional<net::Ipv4> via;
  std::optional<net::Ipv4> src;  // preferred source
  int ifindex = 0;
  std::string dev;
  int protocol = 0;  // RTPROT_*
  int scope = 0;     // RT_SCOPE_*
  bool onlink = false;
};

struct NeighInfo {
  std::string dev;
  std::optional<net::Ipv4> ip;   // absent for FDB entries
  std::optional<net::Mac> mac;
  std::optional<net::Ipv4> dst;  // FDB remote (VXLAN)
  int state = 0;                 // NUD_*
  std::string master;            // bridge FDB entries: the bridge
  bool self = false;             // NTF_SELF: the device's own table (VXLAN)
  bool permanent() const;
  std::string state_name() const;  // "REACHABLE", "PERMANENT", ... as ip neigh prints it
};

class Rtnl {
 public:
  // netns_fd < 0: the calling thread's namespace.
  explicit Rtnl(int netns_fd = -1);
  ~Rtnl();
  Rtnl(const Rtnl&) = delete;
  Rtnl& operator=(const Rtnl&) = delete;

  int ifindex(const std::string& name);  // throws when there is no such link
  std::optional<LinkInfo> link(const std::string& name);
  std::vector<LinkInfo> links();

  void add_bridge(const std::string& name, int mtu);
  // A veth pair: name here, peer_name in the namespace peer_netns_fd; the
  // peer's MTU is peer_mtu, or mtu when that is 0.
  void add_veth(const std::string& name, const std::string& peer_name, int peer_netns_fd, int mtu,
                int peer_mtu = 0);
  void add_vxlan(const VxlanSpec& spec);
  // The VXLAN settings of an existing device; nullopt when there is no link
  // of that name or it is not VXLAN.
  std::optional<VxlanSpec> vxlan(const std::string& name);
  void delete_link(const std::string& name);
  void set_master(const std::string& link, const std::string& master);
  void set_up(const std::string& link);
  void set_mtu(const std::string& link, int mtu);
  // The most segments one GSO super-packet sent on link may hold.
  void set_gso_max_segs(const std::string& link, int segs);

  void add_address(const std::string& link, net::Cidr address);
  void delete_address(const std::string& link, net::Cidr address);
  std::vector<AddressInfo> addresses();

  void add_route(const RouteSpec& route);
  void delete_route(const RouteSpec& route);
  // Adds the route or replaces the one to the same destination (ip route replace).
  void replace_route(const RouteSpec& route);
  std::vector<RouteInfo> routes();  // main table, IPv4

  // Permanent ARP entry: ip on dev is mac (Flannel's vxlan neighbour).
  void add_neighbour(const std::string& dev, net::Ipv4 ip, net::Mac mac);
  void delete_neighbour(const std::string& dev, net::Ipv4 ip);
  // Permanent FDB entry on a VXLAN device: frames for mac go to dst.
  void add_fdb(const std::string& dev, net::Mac mac, net::Ipv4 dst);
  void delete_fdb(const std::string& dev, net::Mac mac, net::Ipv4 dst);
  std::vector<NeighInfo> neighbours();  // IPv4 ARP entries
  std::vector<NeighInfo> fdb(const std::string& dev);
  // Every bridge-family entry: bridges' learned and static entries and
  // VXLAN devices' remote entries, as `bridge fdb show` lists them.
  std::vector<NeighInfo> all_fdb();

 private:
  std::string link_name(int index);
  nl_sock* sock_;
};

}  // namespace ovl::os
