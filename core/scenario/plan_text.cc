// Plan steps as the commands a student would type: iproute2 and sysctl.
#include <sstream>

#include "core/scenario/plan.h"

namespace ovl::scenario {
namespace {

std::string in(const std::string& ns) { return "ip -n " + ns + " "; }

struct Printer {
  std::string operator()(const CreateNetns& o) const { return "ip netns add " + o.ns; }
  std::string operator()(const CreateBridge& o) const {
    return in(o.ns) + "link add " + o.name + " mtu " + std::to_string(o.mtu) + " type bridge";
  }
  std::string operator()(const CreateVeth& o) const {
    auto mtu = std::to_string(o.mtu);
    return in(o.ns) + "link add " + o.name + " mtu " + mtu + " type veth peer name " +
           o.peer_name + " mtu " + mtu + " netns " + o.peer_ns;
  }
  std::string operator()(const SetMaster& o) const {
    return in(o.ns) + "link set " + o.link + " master " + o.master;
  }
  std::string operator()(const AddAddress& o) const {
    return in(o.ns) + "addr add " + o.address.str() + " dev " + o.link;
  }
  std::string operator()(const LinkUp& o) const { return in(o.ns) + "link set " + o.link + " up"; }
  std::string operator()(const AddRoute& o) const {
    std::string dst = o.dst.len() == 0 ? "default" : o.dst.str();
    return in(o.ns) + "route add " + dst + (o.via ? " via " + o.via->str() : "") + " dev " + o.dev;
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
    int mtu = overlay_mtu(s.overlay.backend, s.find_segment(n.segment)->mtu);
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
      << "# Stage 1, the underlay: fabric bridges, routers, nodes.\n";
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
        << "\n# then the " << to_string(node.runtime) << " runtime builds "
        << bridge_name(node.runtime) << " from it and starts the containers.\n";
    append_steps(out, plan_node(s, lab, node, lease));
  }
  return out.str();
}

}  // namespace ovl::scenario
