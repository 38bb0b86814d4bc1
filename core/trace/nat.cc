#include "core/trace/nat.h"

namespace ovl::trace {
namespace {

struct PacketTuple {
  std::string protocol;  // as conntrack names it
  Tuple t;
};

// The packet as the host routed it: its outer IPv4 header and the header
// right after it (an encapsulated packet's outer UDP, not the inner ones).
std::optional<PacketTuple> tuple_of(const Hop& hop) {
  for (size_t i = 0; i + 1 < hop.layers.size(); ++i) {
    if (hop.layers[i].proto != "ipv4") continue;
    const auto& ip = hop.layers[i].fields;
    const Layer& l4 = hop.layers[i + 1];
    PacketTuple p{l4.proto, {*net::Ipv4::parse(ip["src"].get<std::string>()),
                             *net::Ipv4::parse(ip["dst"].get<std::string>())}};
    if (l4.proto == "tcp" || l4.proto == "udp") {
      p.t.sport = l4.fields["sport"];
      p.t.dport = l4.fields["dport"];
    } else if (l4.proto == "icmp" && l4.fields.contains("id")) {
      p.t.sport = p.t.dport = l4.fields["id"];
    } else {
      return std::nullopt;
    }
    return p;
  }
  return std::nullopt;
}

bool same(const Tuple& a, const Tuple& b) {
  return a.src == b.src && a.dst == b.dst && a.sport == b.sport && a.dport == b.dport;
}

Tuple inverse(const Tuple& t) { return {t.dst, t.src, t.dport, t.sport}; }

// How a packet relates to a tracked flow. The kernel keeps the tuple the
// flow's first packet had before NAT (original) and the tuple its answers
// arrive with (reply); a packet seen here is one of them or their inverse.
enum class As { sent_natted, answer_arriving, answer_restored };

const ConntrackEntry* entry_for(const HostState& host, const PacketTuple& p, As as) {
  for (const auto& e : host.conntrack) {
    if (e.protocol != p.protocol) continue;
    const Tuple want = as == As::sent_natted ? inverse(e.reply) : as == As::answer_arriving ? e.reply : inverse(e.original);
    if (same(want, p.t)) return &e;
  }
  return nullptr;
}

std::string endpoint(net::Ipv4 ip, uint16_t port, const std::string& protocol) {
  if (protocol == "icmp") return ip.str() + " (ICMP id " + std::to_string(port) + ")";
  return ip.str() + ":" + std::to_string(port);
}

std::string rule_text(const NatRule& r) { return "`" + r.text + "` (" + r.table + " chain " + r.chain + ")"; }

}  // namespace

const NatRule* first_nat_rule(const std::vector<NatRule>& rules, net::Ipv4 src, net::Ipv4 dst) {
  for (const auto& r : rules) {
    if (!r.understood) return nullptr;
    bool hit = (!r.saddr || r.saddr->matches(src)) && (!r.daddr || r.daddr->matches(dst)) && (!r.mark || *r.mark == 0);
    if (hit) return &r;
  }
  return nullptr;
}

void explain_nat_out(const HostState& host, const Hop& hop, Decision& d) {
  if (host.nat.empty()) return;
  auto p = tuple_of(hop);
  if (!p) return;
  // An answer of a tracked flow: its addresses come from conntrack, not
  // from the rules, which only see a flow's first packet.
  if (const auto* e = entry_for(host, *p, As::answer_restored)) {
    if (!e->natted()) return;
    d.conntrack = e->text;
    d.nat = "the answer of a masqueraded flow: conntrack gave it back its real destination " + p->t.dst.str();
    return;
  }
  if (const auto* e = entry_for(host, *p, As::sent_natted); e && e->natted()) {
    d.conntrack = e->text;
    const NatRule* rule = first_nat_rule(host.nat, e->original.src, e->original.dst);
    d.nat = "masqueraded: the source " + endpoint(e->original.src, e->original.sport, p->protocol) + " became " +
            endpoint(p->t.src, p->t.sport, p->protocol) + (rule ? " by " + rule_text(*rule) : "");
    return;
  }
  const NatRule* rule = first_nat_rule(host.nat, p->t.src, p->t.dst);
  if (rule && rule->verdict == "return")
    d.nat = "not masqueraded: " + rule_text(*rule) + " matched first and returns, so the source " + p->t.src.str() +
            " stays";
  else if (rule && rule->verdict == "masquerade")
    d.nat = rule_text(*rule) + " masquerades it";
}

bool explain_nat_in(const HostState& host, const Hop& hop, Decision& d) {
  if (host.nat.empty()) return false;
  auto p = tuple_of(hop);
  if (!p) return false;
  const auto* e = entry_for(host, *p, As::answer_arriving);
  if (!e || !e->natted()) return false;
  d.conntrack = e->text;
  d.nat = "the answer to a masqueraded flow: conntrack rewrites its destination " +
          endpoint(p->t.dst, p->t.dport, p->protocol) + " back to " +
          endpoint(e->original.src, e->original.sport, p->protocol) + " and routes it on";
  return true;
}

}  // namespace ovl::trace
