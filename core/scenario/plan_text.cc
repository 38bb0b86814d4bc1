// Plan steps as the commands a student would type: iproute2 and sysctl.
#include <sstream>

#include "core/scenario/plan.h"

namespace ovl::scenario {
namespace {

// "ip -n <ns> ", or "ip " in the caller's own namespace.
std::string in(const std::string& ns, const char* tool = "ip") {
  return std::string(tool) + (ns.empty() ? "" : " -n " + ns) + " ";
}

std::string route(const char* verb, const std::string& ns, const net::Cidr& dst, const std::optional<net::Ipv4>& via,
                  const std::string& dev, bool onlink) {
  std::string to = dst.len() == 0 ? "default" : dst.str();
  return in(ns) + "route " + verb + " " + to + (via ? " via " + via->str() : "") + " dev " + dev +
         (onlink ? " onlink" : "");
}

struct Printer {
  std::string operator()(const CreateNetns& o) const { return "ip netns add " + o.ns; }
  std::string operator()(const CreateBridge& o) const {
    return in(o.ns) + "link add " + o.name + " mtu " + std::to_string(o.mtu) + " type bridge";
  }
  std::string operator()(const CreateVeth& o) const {
    return in(o.ns) + "link add " + o.name + " mtu " + std::to_string(o.mtu) + " type veth peer name " +
           o.peer_name + " mtu " + std::to_string(o.peer_mtu ? o.peer_mtu : o.mtu) + " netns " + o.peer_ns;
  }
  std::string operator()(const SetGsoMaxSegs& o) const {
    return in(o.ns) + "link set " + o.link + " gso_max_segs " + std::to_string(o.segs);
  }
  std::string operator()(const Nft& o) const { return "ip netns exec " + o.ns + " nft '" + o.command + "'"; }
  std::string operator()(const SetMaster& o) const {
    return in(o.ns) + "link set " + o.link + " master " + o.master;
  }
  std::string operator()(const AddAddress& o) const {
    return in(o.ns) + "addr add " + o.address.str() + " dev " + o.link;
  }
  std::string operator()(const LinkUp& o) const { return in(o.ns) + "link set " + o.link + " up"; }
  std::string operator()(const AddRoute& o) const {
    return route(o.replace ? "replace" : "add", o.ns, o.dst, o.via, o.dev, o.onlink);
  }
  std::string operator()(const DeleteRoute& o) const { return route("del", o.ns, o.dst, o.via, o.dev, o.onlink); }
  std::string operator()(const AddNeighbour& o) const {
    return in(o.ns) + "neigh replace " + o.ip.str() + " lladdr " + o.mac.str() + " nud permanent dev " + o.dev;
  }
  std::string operator()(const DeleteNeighbour& o) const { return in(o.ns) + "neigh del " + o.ip.str() + " dev " + o.dev; }
  std::string operator()(const AddFdb& o) const {
    return in(o.ns, "bridge") + "fdb replace " + o.mac.str() + " dst " + o.dst.str() + " self permanent dev " + o.dev;
  }
  std::string operator()(const DeleteFdb& o) const {
    return in(o.ns, "bridge") + "fdb del " + o.mac.str() + " dst " + o.dst.str() + " self dev " + o.dev;
  }
  std::string operator()(const SetSysctl& o) const {
    return "ip netns exec " + o.ns + " sysctl -w " + o.key + "=" + o.value;
  }
  std::string operator()(const WriteFile& o) const {
    auto slash = o.path.rfind('/');
    return "mkdir -p " + o.path.substr(0, slash) + " && printf '%s' '" + o.content + "' > " + o.path;
  }
};

}  // namespace

std::string to_command(const Op& op) { return std::visit(Printer{}, op); }

}  // namespace ovl::scenario

#include "core/net/subnet_range.h"
#include "core/scenario/names.h"

namespace ovl::scenario {

std::map<std::string, NodeLease> predict_leases(const Scenario& s) {
  std::vector<net::Cidr> taken;
  for (const auto& n : s.nodes)
    if (n.subnet) taken.push_back(*n.subnet);
  net::SubnetRange range{s.overlay.network, s.overlay.subnet_len};
  std::map<std::string, NodeLease> leases;
  for (const auto& n : s.nodes) {
    int mtu = overlay_mtu(s.overlay.backend, s.iface_mtu(n));
    if (n.subnet) {
      leases[n.name] = NodeLease{*n.subnet, mtu};
      continue;
    }
    auto free = net::free_subnets(range, taken, 1);
    if (free.empty()) continue;
    taken.push_back(free[0]);
    leases[n.name] = NodeLease{free[0], mtu};
  }
  return leases;
}

namespace {

void append_steps(std::ostringstream& out, const Plan& plan) {
  for (const auto& step : plan.steps) out << to_command(step.op) << "\n";
}

}  // namespace

std::string plan_document(const Scenario& s, const std::string& lab,
                          const std::map<std::string, NodeLease>& leases) {
  std::ostringstream out;
  out << "# overlaylab plan for lab '" << lab << "' (" << s.file << ")\n"
      << "# Stage 1, the underlay: fabric bridges, routers, nodes" << (s.externals.empty() ? "" : ", external hosts")
      << ".\n";
  append_steps(out, plan_underlay(s, lab));
  for (const auto& node : s.nodes) {
    auto it = leases.find(node.name);
    if (it == leases.end()) continue;
    const NodeLease& lease = it->second;
    out << "\n# Stage 2, " << node.name << ": overlayd (" << to_string(s.overlay.backend)
        << ") takes lease " << lease.subnet.str()
        << (node.subnet ? " (pinned)" : " (the first free one; a live lab may differ)")
        << " and writes " << node_dir(node.name) << "/run/flannel/subnet.env:\n"
        << "#   FLANNEL_SUBNET=" << lease.subnet.host(1).str() << " FLANNEL_MTU=" << lease.mtu
        << (!s.overlay.ip_masq ? ""
            : node.external() ? "\n# With ip-masq, flanneld (run by you) installs its masquerade rules itself;"
                              : "\n# With ip-masq, the masquerade rules flanneld installs come first (nftables);")
        << "\n# then the " << to_string(node.runtime) << " runtime builds "
        << bridge_name(node.runtime) << " from it and starts the containers.\n";
    append_steps(out, plan_node(s, lab, node, lease));
  }
  return out.str();
}

}  // namespace ovl::scenario
