#include "core/trace/snapshot.h"

#include <charconv>
#include <sstream>

namespace ovl::trace {

const LinkEntry* HostState::link(const std::string& name) const {
  for (const auto& l : links)
    if (l.name == name) return &l;
  return nullptr;
}

bool HostState::owns(net::Ipv4 ip) const {
  for (const auto& a : addrs)
    if (a.addr.addr() == ip) return true;
  return false;
}

std::string format_route(const RouteEntry& r) {
  std::string out = r.dst.len() == 0 ? "default" : r.dst.str();
  if (r.via) out += " via " + r.via->str();
  out += " dev " + r.dev;
  if (r.protocol == 2) out += " proto kernel";
  if (r.protocol == 4) out += " proto static";
  if (r.scope == 253) out += " scope link";
  if (r.src) out += " src " + r.src->str();
  if (r.onlink) out += " onlink";
  return out;
}

namespace {

std::optional<uint16_t> number(std::string_view text) {
  uint16_t n = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), n);
  if (ec != std::errc() || end != text.data() + text.size()) return std::nullopt;
  return n;
}

// Reads key=value into the tuple being filled; false when the value is bad.
bool tuple_field(Tuple& t, std::string_view key, std::string_view value) {
  if (key == "src" || key == "dst") {
    auto ip = net::Ipv4::parse(value);
    if (!ip) return false;
    (key == "src" ? t.src : t.dst) = *ip;
    return true;
  }
  auto n = number(value);
  if (!n) return false;
  if (key == "sport") t.sport = *n;
  if (key == "dport" || key == "id") t.dport = *n;
  if (key == "id") t.sport = *n;
  return true;
}

}  // namespace

// "ipv4     2 icmp     1 29 src=.. dst=.. type=8 code=0 id=7 src=.. dst=.. type=0 code=0 id=9 mark=0 use=1":
// the first src= opens the original tuple, the second the reply tuple.
std::optional<ConntrackEntry> parse_conntrack(const std::string& line) {
  std::istringstream in(line);
  std::string family, family_number, word;
  ConntrackEntry e;
  if (!(in >> family >> family_number >> e.protocol) || family != "ipv4") return std::nullopt;
  int tuples = 0;
  std::string rest;
  while (in >> word) {
    rest += (rest.empty() ? "" : " ") + word;
    auto eq = word.find('=');
    if (eq == std::string::npos) continue;
    std::string_view key(word.data(), eq), value(word.data() + eq + 1, word.size() - eq - 1);
    if (key == "src") ++tuples;
    if (tuples == 0 || tuples > 2 || (key != "src" && key != "dst" && key != "sport" && key != "dport" && key != "id"))
      continue;
    if (!tuple_field(tuples == 1 ? e.original : e.reply, key, value)) return std::nullopt;
  }
  if (tuples != 2) return std::nullopt;
  e.text = e.protocol + " " + rest;
  return e;
}

}  // namespace ovl::trace
