#include "core/os/rtnl.h"

#include <arpa/inet.h>
#include <linux/if_bridge.h>
#include <linux/neighbour.h>
#include <linux/rtnetlink.h>
#include <net/if.h>
#include <netlink/attr.h>
#include <netlink/msg.h>
#include <netlink/netlink.h>
#include <netlink/route/addr.h>
#include <netlink/route/link.h>
#include <netlink/route/link/veth.h>
#include <netlink/route/link/vxlan.h>
#include <netlink/route/neighbour.h>
#include <netlink/route/route.h>

#include <cctype>
#include <cstring>

#include "core/os/netns.h"

namespace ovl::os {
namespace {

template <class T, void (*Free)(T*)>
struct Deleter {
  void operator()(T* p) const { if (p) Free(p); }
};
using LinkPtr = std::unique_ptr<rtnl_link, Deleter<rtnl_link, rtnl_link_put>>;
using AddrPtr = std::unique_ptr<nl_addr, Deleter<nl_addr, nl_addr_put>>;
using CachePtr = std::unique_ptr<nl_cache, Deleter<nl_cache, nl_cache_free>>;
using RoutePtr = std::unique_ptr<rtnl_route, Deleter<rtnl_route, rtnl_route_put>>;
using NeighPtr = std::unique_ptr<rtnl_neigh, Deleter<rtnl_neigh, rtnl_neigh_put>>;
using RtAddrPtr = std::unique_ptr<rtnl_addr, Deleter<rtnl_addr, rtnl_addr_put>>;

void check(int err, const std::string& what) {
  if (err < 0) throw NetlinkError(what, err);
}

AddrPtr make_addr(net::Ipv4 ip, int prefix_len = 32) {
  uint32_t be = htonl(ip.value());
  AddrPtr addr(nl_addr_build(AF_INET, &be, sizeof be));
  nl_addr_set_prefixlen(addr.get(), prefix_len);
  return addr;
}

AddrPtr make_mac(net::Mac mac) {
  return AddrPtr(nl_addr_build(AF_LLC, mac.bytes().data(), 6));
}

std::optional<net::Ipv4> to_ipv4(nl_addr* addr) {
  if (!addr || nl_addr_get_family(addr) != AF_INET || nl_addr_get_len(addr) != 4) return std::nullopt;
  uint32_t be;
  std::memcpy(&be, nl_addr_get_binary_addr(addr), 4);
  return net::Ipv4(ntohl(be));
}

std::optional<net::Mac> to_mac(nl_addr* addr) {
  if (!addr || nl_addr_get_len(addr) != 6) return std::nullopt;
  std::array<uint8_t, 6> bytes;
  std::memcpy(bytes.data(), nl_addr_get_binary_addr(addr), 6);
  return net::Mac(bytes);
}

template <class Fn>
void for_each(nl_cache* cache, Fn fn) {
  for (nl_object* o = nl_cache_get_first(cache); o; o = nl_cache_get_next(o)) fn(o);
}

}  // namespace

NetlinkError::NetlinkError(const std::string& what, int nl_error)
    : std::runtime_error(what + ": " + nl_geterror(nl_error)), nl_error_(nl_error) {}

bool NetlinkError::missing() const {
  int e = nl_error_ < 0 ? -nl_error_ : nl_error_;  // libnl calls return -NLE_*
  return e == NLE_OBJ_NOTFOUND || e == NLE_NOADDR;
}

bool NeighInfo::permanent() const { return state & NUD_PERMANENT; }

std::string NeighInfo::state_name() const {
  char buf[64];
  std::string s = rtnl_neigh_state2str(state, buf, sizeof buf);
  for (auto& c : s) c = char(std::toupper(static_cast<unsigned char>(c)));
  return s;
}

Rtnl::Rtnl(int netns_fd) : sock_(nl_socket_alloc()) {
  if (!sock_) throw std::bad_alloc();
  std::optional<NetnsScope> scope;
  if (netns_fd >= 0) scope.emplace(netns_fd);
  int err = nl_connect(sock_, NETLINK_ROUTE);
  if (err < 0) {
    nl_socket_free(sock_);
    throw NetlinkError("opening a route netlink socket", err);
  }
}

Rtnl::~Rtnl() { nl_socket_free(sock_); }

int Rtnl::ifindex(const std::string& name) {
  rtnl_link* raw = nullptr;
  check(rtnl_link_get_kernel(sock_, 0, name.c_str(), &raw), "looking up link " + name);
  LinkPtr link(raw);
  return rtnl_link_get_ifindex(link.get());
}

std::string Rtnl::link_name(int index) {
  rtnl_link* raw = nullptr;
  if (rtnl_link_get_kernel(sock_, index, nullptr, &raw) < 0) return std::to_string(index);
  LinkPtr link(raw);
  return rtnl_link_get_name(link.get());
}

std::optional<LinkInfo> Rtnl::link(const std::string& name) {
  for (auto& l : links())
    if (l.name == name) return l;
  return std::nullopt;
}

std::vector<LinkInfo> Rtnl::links() {
  nl_cache* raw = nullptr;
  check(rtnl_link_alloc_cache(sock_, AF_UNSPEC, &raw), "listing links");
  CachePtr cache(raw);
  std::vector<LinkInfo> out;
  for_each(cache.get(), [&](nl_object* o) {
    auto* l = reinterpret_cast<rtnl_link*>(o);
    LinkInfo info;
    info.index = rtnl_link_get_ifindex(l);
    info.name = rtnl_link_get_name(l);
    const char* kind = rtnl_link_get_type(l);
    info.kind = kind ? kind : "";
    info.mtu = int(rtnl_link_get_mtu(l));
    info.up = rtnl_link_get_flags(l) & IFF_UP;
    info.mac = to_mac(rtnl_link_get_addr(l));
    info.master = rtnl_link_get_master(l);
    out.push_back(info);
  });
  return out;
}

void Rtnl::add_bridge(const std::string& name, int mtu) {
  LinkPtr link(rtnl_link_alloc());
  check(rtnl_link_set_type(link.get(), "bridge"), "creating bridge " + name);
  rtnl_link_set_name(link.get(), name.c_str());
  rtnl_link_set_mtu(link.get(), unsigned(mtu));
  check(rtnl_link_add(sock_, link.get(), NLM_F_CREATE | NLM_F_EXCL), "creating bridge " + name);
}

void Rtnl::add_veth(const std::string& name, const std::string& peer_name, int peer_netns_fd,
                    int mtu, int peer_mtu) {
  LinkPtr link(rtnl_link_veth_alloc());
  if (!link) throw std::bad_alloc();
  rtnl_link_set_name(link.get(), name.c_str());
  rtnl_link_set_mtu(link.get(), unsigned(mtu));
  // libnl 3.7 hands out a reference to the peer.
  LinkPtr peer(rtnl_link_veth_get_peer(link.get()));
  rtnl_link_set_name(peer.get(), peer_name.c_str());
  rtnl_link_set_mtu(peer.get(), unsigned(peer_mtu ? peer_mtu : mtu));
  if (peer_netns_fd >= 0) rtnl_link_set_ns_fd(peer.get(), peer_netns_fd);
  check(rtnl_link_add(sock_, link.get(), NLM_F_CREATE | NLM_F_EXCL),
        "creating veth pair " + name + "/" + peer_name);
}

void Rtnl::add_vxlan(const VxlanSpec& spec) {
  LinkPtr link(rtnl_link_vxlan_alloc());
  if (!link) throw std::bad_alloc();
  std::string what = "creating vxlan device " + spec.name;
  rtnl_link_set_name(link.get(), spec.name.c_str());
  rtnl_link_set_mtu(link.get(), unsigned(spec.mtu));
  check(rtnl_link_vxlan_set_id(link.get(), spec.vni), what);
  check(rtnl_link_vxlan_set_local(link.get(), make_addr(spec.local).get()), what);
  check(rtnl_link_vxlan_set_link(link.get(), uint32_t(ifindex(spec.dev))), what);
  check(rtnl_link_vxlan_set_port(link.get(), spec.port), what);
  check(rtnl_link_vxlan_set_learning(link.get(), spec.learning), what);
  if (spec.mac) rtnl_link_set_addr(link.get(), make_mac(*spec.mac).get());
  check(rtnl_link_add(sock_, link.get(), NLM_F_CREATE | NLM_F_EXCL), what);
}

std::optional<VxlanSpec> Rtnl::vxlan(const std::string& name) {
  rtnl_link* raw = nullptr;
  if (rtnl_link_get_kernel(sock_, 0, name.c_str(), &raw) < 0) return std::nullopt;
  LinkPtr link(raw);
  const char* kind = rtnl_link_get_type(link.get());
  if (!kind || std::string(kind) != "vxlan") return std::nullopt;
  VxlanSpec spec;
  spec.name = name;
  uint32_t vni = 0, dev = 0, port = 0;
  nl_addr* local = nullptr;
  if (rtnl_link_vxlan_get_id(link.get(), &vni) == 0) spec.vni = vni;
  if (rtnl_link_vxlan_get_local(link.get(), &local) == 0) {
    AddrPtr owned(local);
    spec.local = to_ipv4(local).value_or(net::Ipv4());
  }
  if (rtnl_link_vxlan_get_link(link.get(), &dev) == 0 && dev) spec.dev = link_name(int(dev));
  if (rtnl_link_vxlan_get_port(link.get(), &port) == 0) spec.port = uint16_t(port);
  spec.learning = rtnl_link_vxlan_get_learning(link.get()) > 0;
  spec.mtu = int(rtnl_link_get_mtu(link.get()));
  spec.mac = to_mac(rtnl_link_get_addr(link.get()));
  return spec;
}

void Rtnl::delete_link(const std::string& name) {
  LinkPtr link(rtnl_link_alloc());
  rtnl_link_set_name(link.get(), name.c_str());
  check(rtnl_link_delete(sock_, link.get()), "deleting link " + name);
}

void Rtnl::set_master(const std::string& link, const std::string& master) {
  check(rtnl_link_enslave_ifindex(sock_, ifindex(master), ifindex(link)),
        "attaching " + link + " to " + master);
}

void Rtnl::set_up(const std::string& name) {
  rtnl_link* raw = nullptr;
  check(rtnl_link_get_kernel(sock_, 0, name.c_str(), &raw), "looking up link " + name);
  LinkPtr orig(raw), change(rtnl_link_alloc());
  rtnl_link_set_flags(change.get(), IFF_UP);
  check(rtnl_link_change(sock_, orig.get(), change.get(), 0), "setting " + name + " up");
}

void Rtnl::set_mtu(const std::string& name, int mtu) {
  rtnl_link* raw = nullptr;
  check(rtnl_link_get_kernel(sock_, 0, name.c_str(), &raw), "looking up link " + name);
  LinkPtr orig(raw), change(rtnl_link_alloc());
  rtnl_link_set_mtu(change.get(), unsigned(mtu));
  check(rtnl_link_change(sock_, orig.get(), change.get(), 0), "setting the MTU of " + name);
}

// libnl 3.7 reads IFLA_GSO_MAX_SEGS but cannot set it: the request is
// built by hand (kernels since 5.19 accept it on an existing link).
void Rtnl::set_gso_max_segs(const std::string& name, int segs) {
  ifinfomsg ifi{};
  ifi.ifi_family = AF_UNSPEC;
  ifi.ifi_index = ifindex(name);
  nl_msg* msg = nlmsg_alloc_simple(RTM_NEWLINK, 0);
  if (!msg) throw std::bad_alloc();
  if (nlmsg_append(msg, &ifi, sizeof ifi, NLMSG_ALIGNTO) < 0 || nla_put_u32(msg, IFLA_GSO_MAX_SEGS, uint32_t(segs)) < 0) {
    nlmsg_free(msg);
    throw std::bad_alloc();
  }
  check(nl_send_sync(sock_, msg), "setting gso_max_segs of " + name);  // frees msg
}

void Rtnl::add_address(const std::string& link, net::Cidr address) {
  RtAddrPtr addr(rtnl_addr_alloc());
  rtnl_addr_set_ifindex(addr.get(), ifindex(link));
  check(rtnl_addr_set_local(addr.get(), make_addr(address.addr(), address.len()).get()),
        "adding address " + address.str());
  rtnl_addr_set_prefixlen(addr.get(), address.len());
  check(rtnl_addr_add(sock_, addr.get(), NLM_F_EXCL),
        "adding address " + address.str() + " to " + link);
}

void Rtnl::delete_address(const std::string& link, net::Cidr address) {
  RtAddrPtr addr(rtnl_addr_alloc());
  rtnl_addr_set_ifindex(addr.get(), ifindex(link));
  check(rtnl_addr_set_local(addr.get(), make_addr(address.addr(), address.len()).get()),
        "deleting address " + address.str());
  rtnl_addr_set_prefixlen(addr.get(), address.len());
  check(rtnl_addr_delete(sock_, addr.get(), 0), "deleting address " + address.str() + " from " + link);
}

std::vector<AddressInfo> Rtnl::addresses() {
  nl_cache* raw = nullptr;
  check(rtnl_addr_alloc_cache(sock_, &raw), "listing addresses");
  CachePtr cache(raw);
  std::vector<AddressInfo> out;
  for_each(cache.get(), [&](nl_object* o) {
    auto* a = reinterpret_cast<rtnl_addr*>(o);
    auto ip = to_ipv4(rtnl_addr_get_local(a));
    if (ip) out.push_back({link_name(rtnl_addr_get_ifindex(a)), net::Cidr(*ip, rtnl_addr_get_prefixlen(a))});
  });
  return out;
}

namespace {

RoutePtr build_route(const RouteSpec& r, int ifindex) {
  RoutePtr route(rtnl_route_alloc());
  rtnl_route_set_family(route.get(), AF_INET);
  rtnl_route_set_table(route.get(), RT_TABLE_MAIN);
  rtnl_route_set_protocol(route.get(), RTPROT_BOOT);
  rtnl_route_set_type(route.get(), RTN_UNICAST);
  rtnl_route_set_scope(route.get(), r.via ? RT_SCOPE_UNIVERSE : RT_SCOPE_LINK);
  rtnl_route_set_dst(route.get(), make_addr(r.dst.network(), r.dst.len()).get());
  rtnl_nexthop* nh = rtnl_route_nh_alloc();
  rtnl_route_nh_set_ifindex(nh, ifindex);
  if (r.via) rtnl_route_nh_set_gateway(nh, make_addr(*r.via).get());
  if (r.onlink) rtnl_route_nh_set_flags(nh, RTNH_F_ONLINK);
  rtnl_route_add_nexthop(route.get(), nh);  // the route owns nh now
  return route;
}

std::string describe(const RouteSpec& r) {
  return "route " + (r.dst.len() ? r.dst.str() : std::string("default")) +
         (r.via ? " via " + r.via->str() : "") + " dev " + r.dev;
}

}  // namespace

void Rtnl::add_route(const RouteSpec& r) {
  check(rtnl_route_add(sock_, build_route(r, ifindex(r.dev)).get(), NLM_F_EXCL), "adding " + describe(r));
}

void Rtnl::delete_route(const RouteSpec& r) {
  check(rtnl_route_delete(sock_, build_route(r, ifindex(r.dev)).get(), 0), "deleting " + describe(r));
}

void Rtnl::replace_route(const RouteSpec& r) {
  check(rtnl_route_add(sock_, build_route(r, ifindex(r.dev)).get(), NLM_F_REPLACE), "replacing " + describe(r));
}

std::vector<RouteInfo> Rtnl::routes() {
  nl_cache* raw = nullptr;
  check(rtnl_route_alloc_cache(sock_, AF_INET, 0, &raw), "listing routes");
  CachePtr cache(raw);
  std::vector<RouteInfo> out;
  for_each(cache.get(), [&](nl_object* o) {
    auto* r = reinterpret_cast<rtnl_route*>(o);
    if (rtnl_route_get_table(r) != RT_TABLE_MAIN || rtnl_route_get_type(r) != RTN_UNICAST) return;
    RouteInfo info;
    nl_addr* dst = rtnl_route_get_dst(r);
    info.dst = net::Cidr(to_ipv4(dst).value_or(net::Ipv4()), dst ? nl_addr_get_prefixlen(dst) : 0);
    info.src = to_ipv4(rtnl_route_get_pref_src(r));
    info.protocol = rtnl_route_get_protocol(r);
    info.scope = rtnl_route_get_scope(r);
    if (rtnl_route_get_nnexthops(r) > 0) {
      rtnl_nexthop* nh = rtnl_route_nexthop_n(r, 0);
      info.via = to_ipv4(rtnl_route_nh_get_gateway(nh));
      info.ifindex = rtnl_route_nh_get_ifindex(nh);
      info.onlink = rtnl_route_nh_get_flags(nh) & RTNH_F_ONLINK;
      info.dev = link_name(info.ifindex);
    }
    out.push_back(info);
  });
  return out;
}

void Rtnl::add_neighbour(const std::string& dev, net::Ipv4 ip, net::Mac mac) {
  NeighPtr n(rtnl_neigh_alloc());
  rtnl_neigh_set_family(n.get(), AF_INET);
  rtnl_neigh_set_ifindex(n.get(), ifindex(dev));
  rtnl_neigh_set_dst(n.get(), make_addr(ip).get());
  rtnl_neigh_set_lladdr(n.get(), make_mac(mac).get());
  rtnl_neigh_set_state(n.get(), NUD_PERMANENT);
  check(rtnl_neigh_add(sock_, n.get(), NLM_F_CREATE | NLM_F_REPLACE),
        "adding neighbour " + ip.str() + " lladdr " + mac.str() + " dev " + dev);
}

void Rtnl::delete_neighbour(const std::string& dev, net::Ipv4 ip) {
  NeighPtr n(rtnl_neigh_alloc());
  rtnl_neigh_set_family(n.get(), AF_INET);
  rtnl_neigh_set_ifindex(n.get(), ifindex(dev));
  rtnl_neigh_set_dst(n.get(), make_addr(ip).get());
  check(rtnl_neigh_delete(sock_, n.get(), 0), "deleting neighbour " + ip.str() + " dev " + dev);
}

namespace {

NeighPtr build_fdb(int ifindex, net::Mac mac, net::Ipv4 dst) {
  NeighPtr n(rtnl_neigh_alloc());
  // dst before family: libnl refuses an AF_INET dst on a neighbour already
  // marked AF_BRIDGE (NLE_AF_MISMATCH), the request then goes without
  // NDA_DST, and the kernel's VXLAN FDB answers EINVAL.
  rtnl_neigh_set_dst(n.get(), make_addr(dst).get());
  rtnl_neigh_set_family(n.get(), AF_BRIDGE);
  rtnl_neigh_set_ifindex(n.get(), ifindex);
  rtnl_neigh_set_lladdr(n.get(), make_mac(mac).get());
  rtnl_neigh_set_state(n.get(), NUD_PERMANENT);
  rtnl_neigh_set_flags(n.get(), NTF_SELF);
  return n;
}

}  // namespace

void Rtnl::add_fdb(const std::string& dev, net::Mac mac, net::Ipv4 dst) {
  check(rtnl_neigh_add(sock_, build_fdb(ifindex(dev), mac, dst).get(), NLM_F_CREATE | NLM_F_REPLACE),
        "adding fdb entry " + mac.str() + " dst " + dst.str() + " dev " + dev);
}

void Rtnl::delete_fdb(const std::string& dev, net::Mac mac, net::Ipv4 dst) {
  check(rtnl_neigh_delete(sock_, build_fdb(ifindex(dev), mac, dst).get(), 0),
        "deleting fdb entry " + mac.str() + " dev " + dev);
}

std::vector<NeighInfo> Rtnl::neighbours() {
  nl_cache* raw = nullptr;
  check(rtnl_neigh_alloc_cache(sock_, &raw), "listing neighbours");
  CachePtr cache(raw);
  std::vector<NeighInfo> out;
  for_each(cache.get(), [&](nl_object* o) {
    auto* n = reinterpret_cast<rtnl_neigh*>(o);
    if (rtnl_neigh_get_family(n) != AF_INET) return;
    out.push_back({link_name(rtnl_neigh_get_ifindex(n)), to_ipv4(rtnl_neigh_get_dst(n)),
                   to_mac(rtnl_neigh_get_lladdr(n)), std::nullopt, rtnl_neigh_get_state(n), "", false});
  });
  return out;
}

std::vector<NeighInfo> Rtnl::all_fdb() {
  nl_cache* raw = nullptr;
  check(rtnl_neigh_alloc_cache_flags(sock_, &raw, NL_CACHE_AF_ITER), "listing fdb entries");
  CachePtr cache(raw);
  std::vector<NeighInfo> out;
  for_each(cache.get(), [&](nl_object* o) {
    auto* n = reinterpret_cast<rtnl_neigh*>(o);
    if (rtnl_neigh_get_family(n) != AF_BRIDGE) return;
    int master = rtnl_neigh_get_master(n);
    out.push_back({link_name(rtnl_neigh_get_ifindex(n)), std::nullopt, to_mac(rtnl_neigh_get_lladdr(n)),
                   to_ipv4(rtnl_neigh_get_dst(n)), rtnl_neigh_get_state(n), master > 0 ? link_name(master) : "",
                   bool(rtnl_neigh_get_flags(n) & NTF_SELF)});
  });
  return out;
}

std::vector<NeighInfo> Rtnl::fdb(const std::string& dev) {
  nl_cache* raw = nullptr;
  check(rtnl_neigh_alloc_cache_flags(sock_, &raw, NL_CACHE_AF_ITER), "listing fdb entries");
  CachePtr cache(raw);
  int index = ifindex(dev);
  std::vector<NeighInfo> out;
  for_each(cache.get(), [&](nl_object* o) {
    auto* n = reinterpret_cast<rtnl_neigh*>(o);
    if (rtnl_neigh_get_family(n) != AF_BRIDGE || rtnl_neigh_get_ifindex(n) != index) return;
    out.push_back({dev, std::nullopt, to_mac(rtnl_neigh_get_lladdr(n)), to_ipv4(rtnl_neigh_get_dst(n)),
                   rtnl_neigh_get_state(n), "", bool(rtnl_neigh_get_flags(n) & NTF_SELF)});
  });
  return out;
}

}  // namespace ovl::os
