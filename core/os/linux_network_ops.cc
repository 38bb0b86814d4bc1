#include "core/os/linux_network_ops.h"

#include <fcntl.h>

#include "core/os/netns.h"
#include "core/os/sysctl.h"

namespace ovl::os {

bool LinuxNetworkOps::netns_exists(const std::string& ns) { return named_netns_exists(ns); }

void LinuxNetworkOps::create_netns(const std::string& ns, const std::function<void(scenario::NetnsId)>& claim) {
  create_named_netns(ns, claim);
}

bool LinuxNetworkOps::delete_netns(const std::string& ns, scenario::NetnsId id) {
  handles_.erase(ns);
  return delete_named_netns(ns, id);
}

LinuxNetworkOps::Handle& LinuxNetworkOps::handle(const std::string& ns) {
  auto it = handles_.find(ns);
  if (it != handles_.end()) return it->second;
  Handle h;
  h.fd = ns.empty() ? Fd(::open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC)) : open_named_netns(ns);
  if (!h.fd) throw_errno("opening this thread's network namespace");
  h.rtnl = std::make_unique<Rtnl>(h.fd.get());
  return handles_.emplace(ns, std::move(h)).first->second;
}

int LinuxNetworkOps::netns_fd(const std::string& ns) { return handle(ns).fd.get(); }

Nftables& LinuxNetworkOps::nftables(const std::string& ns) {
  auto& h = handle(ns);
  if (!h.nft) h.nft = std::make_unique<Nftables>(h.fd.get());
  return *h.nft;
}

Rtnl& LinuxNetworkOps::rtnl(const std::string& ns) { return *handle(ns).rtnl; }

void LinuxNetworkOps::apply(const scenario::Op& op) {
  using namespace scenario;
  std::visit(
      [this](const auto& o) {
        using T = std::decay_t<decltype(o)>;
        if constexpr (std::is_same_v<T, CreateBridge>) {
          rtnl(o.ns).add_bridge(o.name, o.mtu);
        } else if constexpr (std::is_same_v<T, CreateVeth>) {
          rtnl(o.ns).add_veth(o.name, o.peer_name, netns_fd(o.peer_ns), o.mtu, o.peer_mtu);
        } else if constexpr (std::is_same_v<T, SetMaster>) {
          rtnl(o.ns).set_master(o.link, o.master);
        } else if constexpr (std::is_same_v<T, AddAddress>) {
          rtnl(o.ns).add_address(o.link, o.address);
        } else if constexpr (std::is_same_v<T, LinkUp>) {
          rtnl(o.ns).set_up(o.link);
        } else if constexpr (std::is_same_v<T, AddRoute>) {
          RouteSpec route{o.dst, o.via, o.dev, o.onlink};
          o.replace ? rtnl(o.ns).replace_route(route) : rtnl(o.ns).add_route(route);
        } else if constexpr (std::is_same_v<T, DeleteRoute>) {
          unless_missing([&] { rtnl(o.ns).delete_route(RouteSpec{o.dst, o.via, o.dev, o.onlink}); });
        } else if constexpr (std::is_same_v<T, AddNeighbour>) {
          rtnl(o.ns).add_neighbour(o.dev, o.ip, o.mac);
        } else if constexpr (std::is_same_v<T, DeleteNeighbour>) {
          unless_missing([&] { rtnl(o.ns).delete_neighbour(o.dev, o.ip); });
        } else if constexpr (std::is_same_v<T, AddFdb>) {
          rtnl(o.ns).add_fdb(o.dev, o.mac, o.dst);
        } else if constexpr (std::is_same_v<T, DeleteFdb>) {
          unless_missing([&] { rtnl(o.ns).delete_fdb(o.dev, o.mac, o.dst); });
        } else if constexpr (std::is_same_v<T, SetSysctl>) {
          write_sysctl(netns_fd(o.ns), o.key, o.value);
        } else if constexpr (std::is_same_v<T, SetGsoMaxSegs>) {
          rtnl(o.ns).set_gso_max_segs(o.link, o.segs);
        } else if constexpr (std::is_same_v<T, Nft>) {
          nftables(o.ns).run(o.command);
        } else {
          static_assert(std::is_same_v<T, WriteFile> || std::is_same_v<T, CreateNetns>);
          throw std::logic_error("the executor applies CreateNetns and WriteFile itself");
        }
      },
      op);
}

std::vector<scenario::RemoteFdb> LinuxNetworkOps::fdb(const std::string& ns, const std::string& dev) {
  std::vector<scenario::RemoteFdb> out;
  for (const auto& e : rtnl(ns).fdb(dev))
    if (e.mac && e.dst) out.push_back({*e.mac, *e.dst});
  return out;
}

}  // namespace ovl::os
