// A NetworkOps that simulates the kernel in memory: namespaces, each with
// its own id as nsfs inodes are, and in each namespace the neighbours, VXLAN
// FDB entries and routes that overlayd's backends keep, with the kernel's
// rules (an `add` of an existing route fails, a `replace` does not, a delete
// of what is gone is fine). Every applied op is also logged as the command a
// student would type, and a chosen step can fail as the kernel would.
#pragma once

#include <algorithm>
#include <cerrno>
#include <map>
#include <set>
#include <string>
#include <system_error>
#include <tuple>
#include <vector>

#include "core/scenario/network_ops.h"

namespace ovl::test {

class FakeNetwork : public scenario::NetworkOps {
 public:
  using NetnsId = scenario::NetnsId;

  struct Route {
    std::optional<net::Ipv4> via;
    std::string dev;
    bool onlink = false;
  };
  struct Namespace {
    std::map<std::pair<std::string, net::Ipv4>, net::Mac> neighbours;      // (dev, ip) -> lladdr
    std::map<std::pair<std::string, net::Mac>, net::Ipv4> fdb;             // (dev, mac) -> dst
    std::map<net::Cidr, Route> routes;
  };

  std::map<std::string, NetnsId> namespaces;
  std::map<std::string, Namespace> state;  // by namespace name; "" is the caller's own
  std::vector<std::string> applied, deleted;
  int fail_at = -1;  // index into applied at which that step throws EEXIST
  NetnsId next_id = 4026531000;

  bool netns_exists(const std::string& ns) override { return namespaces.count(ns); }

  void create_netns(const std::string& ns, const std::function<void(NetnsId)>& claim) override {
    fail_if_chosen();
    auto id = next_id++;
    claim(id);
    if (namespaces.count(ns)) throw std::system_error(EEXIST, std::generic_category(), "creating /run/netns/" + ns);
    namespaces[ns] = id;
    applied.push_back("ip netns add " + ns);
  }

  void apply(const scenario::Op& op) override {
    fail_if_chosen();
    std::visit([this](const auto& o) { simulate(o); }, op);
    applied.push_back(scenario::to_command(op));
  }

  std::vector<scenario::RemoteFdb> fdb(const std::string& ns, const std::string& dev) override {
    std::vector<scenario::RemoteFdb> out;
    for (const auto& [key, dst] : state[ns].fdb)
      if (key.first == dev) out.push_back({key.second, dst});
    return out;
  }

  bool delete_netns(const std::string& ns, NetnsId id) override {
    auto it = namespaces.find(ns);
    if (it != namespaces.end() && it->second != id) return false;
    if (it != namespaces.end()) namespaces.erase(it);
    state.erase(ns);
    deleted.push_back(ns);
    return true;
  }

  std::set<std::string> names() const {
    std::set<std::string> out;
    for (const auto& [name, id] : namespaces) out.insert(name);
    return out;
  }

  // The namespace's tables as `ip neigh`, `bridge fdb` and `ip route` print
  // the entries the backends make, one line each, sorted.
  std::vector<std::string> tables(const std::string& ns = "") {
    std::vector<std::string> out;
    auto& s = state[ns];
    for (const auto& [key, mac] : s.neighbours)
      out.push_back(key.second.str() + " dev " + key.first + " lladdr " + mac.str() + " PERMANENT");
    for (const auto& [key, dst] : s.fdb)
      out.push_back(key.second.str() + " dev " + key.first + " dst " + dst.str() + " self permanent");
    for (const auto& [dst, r] : s.routes)
      out.push_back(dst.str() + (r.via ? " via " + r.via->str() : "") + " dev " + r.dev + (r.onlink ? " onlink" : ""));
    std::sort(out.begin(), out.end());
    return out;
  }

 private:
  void fail_if_chosen() {
    if (int(applied.size()) == fail_at) throw std::system_error(EEXIST, std::generic_category(), "creating it");
  }

  void simulate(const scenario::AddNeighbour& o) { state[o.ns].neighbours[{o.dev, o.ip}] = o.mac; }
  void simulate(const scenario::DeleteNeighbour& o) { state[o.ns].neighbours.erase({o.dev, o.ip}); }
  void simulate(const scenario::AddFdb& o) { state[o.ns].fdb[{o.dev, o.mac}] = o.dst; }
  void simulate(const scenario::DeleteFdb& o) {
    auto& fdb = state[o.ns].fdb;
    if (auto it = fdb.find({o.dev, o.mac}); it != fdb.end() && it->second == o.dst) fdb.erase(it);
  }
  void simulate(const scenario::AddRoute& o) {
    auto& routes = state[o.ns].routes;
    if (!o.replace && routes.count(o.dst)) throw std::system_error(EEXIST, std::generic_category(), "adding a route");
    routes[o.dst] = Route{o.via, o.dev, o.onlink};
  }
  void simulate(const scenario::DeleteRoute& o) { state[o.ns].routes.erase(o.dst); }
  // The lab-building ops: remembered by their command text only.
  template <class Op>
  void simulate(const Op&) {}
};

}  // namespace ovl::test
