#include "core/trace/render.h"

#include <cstdio>

#include "core/trace/walk.h"

namespace ovl::trace {
namespace {

std::string pad(std::string s, size_t width) {
  if (s.size() < width) s.append(width - s.size(), ' ');
  return s;
}

// ": SYN-ACK", or "" when the trace names no packets.
std::string packet_name(const Trace& t, const Hop& h) {
  return h.packet < t.packets.size() ? ": " + t.packets[h.packet].name : "";
}

std::string summary_line(const Trace& t) {
  std::string out = "trace " + t.probe + ": " + t.from + " -> " + t.to + " (" + t.dst.str() + "): " + t.outcome;
  if (t.ttl) out += ", ttl=" + std::to_string(*t.ttl);
  out += "\n" + std::to_string(t.hops.size()) + " hops; user/kernel crossings by the daemons: " +
         std::to_string(t.crossings(Leg::request)) + " on the request, " + std::to_string(t.crossings(Leg::reply)) +
         " on the reply\n";
  if (!t.reply) {
    for (Leg leg : {Leg::request, Leg::reply})
      if (const Hop* last = t.last(leg))
        out += std::string("the ") + to_string(leg) + " was last seen at " + last->name() + " (" +
               to_string(last->dir) + ")\n";
    if (!t.why.empty()) out += "why: " + t.why + "\n";
  }
  return out;
}

}  // namespace

std::string headers_line(const Hop& hop) {
  std::string out;
  for (const auto& l : hop.layers) {
    if (l.proto == "eth" && &l == &hop.layers.front()) continue;
    out += (out.empty() ? "" : " | ") + l.summary;
  }
  return out;
}

std::string render_table(const Trace& t) {
  std::string out = summary_line(t);
  if (t.hops.empty()) return out + "no packet of the probe was captured\n";
  int64_t t0 = t.hops.front().t_ns;
  size_t width = 8;
  for (const auto& h : t.hops) width = std::max(width, h.name().size());
  std::optional<size_t> packet;
  for (const auto& h : t.hops) {
    if (packet != h.packet) out += std::string("-- ") + to_string(h.leg) + packet_name(t, h) + "\n";
    packet = h.packet;
    char when[32];
    std::snprintf(when, sizeof when, "%3d %9.1f us  ", h.seq, double(h.t_ns - t0) / 1000.0);
    out += when + pad(h.name(), width) + "  " + pad(to_string(h.dir), 3) + "  " + headers_line(h) + "\n";
    if (h.decision) out += std::string(18, ' ') + "-> " + h.decision->text() + "\n";
  }
  return out;
}

namespace {

using Json = nlohmann::ordered_json;

// A layer's fields plus where it sits in the bytes and whether it was
// added at this hop (walk.h).
Json layer_json(const Layer& l, bool added) {
  Json layer{{"proto", l.proto}};
  for (auto& [k, v] : l.fields.items()) layer[k] = v;
  layer["summary"] = l.summary;
  layer["offset"] = l.offset;
  layer["length"] = l.length;
  layer["added"] = added;
  return layer;
}

Json decision_json(const std::optional<Decision>& decision) {
  if (!decision) return nullptr;
  const auto& d = *decision;
  Json dj = Json::object();
  for (auto [k, v] : {std::pair{"userspace", &d.userspace}, {"route", &d.route}, {"matched", &d.matched},
                      {"neighbour", &d.neighbour}, {"fdb", &d.fdb}, {"bridge", &d.bridge}, {"lease", &d.lease},
                      {"encap", &d.encap}, {"nat", &d.nat}, {"conntrack", &d.conntrack}, {"local", &d.local},
                      {"sentence", &d.sentence}, {"process", &d.process}})
    if (!v->empty()) dj[k] = *v;
  return dj;
}

Json hop_json(const Hop& h, const HopWalk& w) {
  Json hop{{"seq", h.seq}, {"t_ns", h.t_ns}, {"host", h.host}, {"if", h.iface}, {"dir", to_string(h.dir)},
           {"leg", to_string(h.leg)}, {"packet", h.packet}, {"dt_ns", w.dt_ns}, {"since_ns", w.since_ns}};
  hop["layers"] = Json::array();
  for (size_t i = 0; i < h.layers.size(); ++i) hop["layers"].push_back(layer_json(h.layers[i], w.added[i]));
  hop["removed"] = Json::array();
  for (const Layer* l : w.removed) hop["removed"].push_back({{"proto", l->proto}, {"summary", l->summary}});
  hop["decision"] = decision_json(h.decision);
  hop["crossing"] = w.crossing.empty() ? Json(nullptr) : Json(w.crossing);
  hop["commands"] = w.commands;
  hop["link"] = h.link == LinkType::ethernet ? "ethernet" : "raw";
  hop["wire_len"] = h.wire_len;
  hop["bytes"] = hex(h.bytes);
  return hop;
}

}  // namespace

nlohmann::ordered_json to_json(const Trace& t) {
  Json j;
  j["probe"] = t.probe;
  j["from"] = t.from;
  j["to"] = t.to;
  j["src"] = t.src.str();
  j["dst"] = t.dst.str();
  j["kind"] = scenario::to_string(t.spec.kind);
  j["port"] = t.spec.kind == scenario::ProbeKind::icmp ? Json(nullptr) : Json(t.spec.port);
  j["size"] = t.spec.size;
  j["df"] = t.spec.df ? Json(*t.spec.df) : Json(nullptr);
  j["reply"] = t.reply;
  j["ttl"] = t.ttl ? Json(*t.ttl) : Json(nullptr);
  j["outcome"] = t.outcome;
  j["mtu"] = t.mtu ? Json(*t.mtu) : Json(nullptr);
  j["why"] = t.why.empty() ? Json(nullptr) : Json(t.why);
  j["crossings"] = {{"request", t.crossings(Leg::request)}, {"reply", t.crossings(Leg::reply)}};
  j["lab"] = t.origin.lab;
  j["backend"] = t.origin.backend;
  j["etcd"] = t.origin.etcd_host.empty() ? Json(nullptr)
                                         : Json{{"host", t.origin.etcd_host}, {"prefix", t.origin.etcd_prefix}};
  j["packets"] = Json::array();
  for (const auto& p : t.packets) j["packets"].push_back({{"name", p.name}, {"leg", to_string(p.leg)}});
  j["hops"] = Json::array();
  auto walked = walk(t);
  for (size_t i = 0; i < t.hops.size(); ++i) j["hops"].push_back(hop_json(t.hops[i], walked[i]));
  return j;
}

namespace {

Leg leg_from(const std::string& s) { return s == "reply" ? Leg::reply : Leg::request; }
Direction dir_from(const std::string& s) { return s == "out" ? Direction::out : Direction::in; }

Decision decision_from(const nlohmann::ordered_json& j) {
  Decision d;
  auto get = [&](const char* key, std::string& into) {
    if (j.contains(key)) into = j[key].get<std::string>();
  };
  get("userspace", d.userspace);
  get("route", d.route);
  get("matched", d.matched);
  get("neighbour", d.neighbour);
  get("fdb", d.fdb);
  get("bridge", d.bridge);
  get("lease", d.lease);
  get("encap", d.encap);
  get("nat", d.nat);
  get("conntrack", d.conntrack);
  get("local", d.local);
  get("sentence", d.sentence);
  get("process", d.process);
  return d;
}

Hop hop_from(const nlohmann::ordered_json& j) {
  Hop h;
  h.seq = j.at("seq");
  h.t_ns = j.at("t_ns");
  h.host = j.at("host");
  h.iface = j.at("if");
  h.dir = dir_from(j.at("dir"));
  h.leg = leg_from(j.at("leg"));
  h.packet = j.value("packet", size_t(h.leg == Leg::reply));
  for (const auto& l : j.at("layers")) {
    Layer layer{l.at("proto"), {}, l.value("summary", ""), l.value("offset", size_t(0)), l.value("length", size_t(0))};
    for (auto& [k, v] : l.items())
      if (k != "proto" && k != "summary" && k != "offset" && k != "length" && k != "added") layer.fields[k] = v;
    h.layers.push_back(layer);
  }
  h.link = j.value("link", "ethernet") == "raw" ? LinkType::raw_ip : LinkType::ethernet;
  h.bytes = from_hex(j.value("bytes", "")).value_or(std::vector<std::byte>());
  h.wire_len = j.value("wire_len", uint32_t(h.bytes.size()));
  if (!j.at("decision").is_null()) h.decision = decision_from(j.at("decision"));
  return h;
}

}  // namespace

Trace from_json(const nlohmann::ordered_json& j) {
  Trace t;
  t.probe = j.at("probe");
  t.from = j.at("from");
  t.to = j.at("to");
  t.dst = net::Ipv4::parse(j.value("dst", "0.0.0.0")).value_or(net::Ipv4());
  t.reply = j.at("reply");
  if (!j.at("ttl").is_null()) t.ttl = j.at("ttl").get<int>();
  t.outcome = j.value("outcome", "");
  t.origin.lab = j.value("lab", "");
  t.origin.backend = j.value("backend", "");
  if (j.contains("etcd") && j["etcd"].is_object()) {
    t.origin.etcd_host = j["etcd"].value("host", "");
    t.origin.etcd_prefix = j["etcd"].value("prefix", "");
  }
  t.src = net::Ipv4::parse(j.value("src", "0.0.0.0")).value_or(net::Ipv4());
  if (auto kind = j.value("kind", "icmp"); kind != "icmp")
    t.spec = scenario::default_probe_spec(kind == "tcp" ? scenario::ProbeKind::tcp : scenario::ProbeKind::udp);
  if (j.contains("port") && j["port"].is_number()) t.spec.port = j["port"];
  if (j.contains("size")) t.spec.size = j["size"];
  if (j.contains("df") && j["df"].is_boolean()) t.spec.df = j["df"].get<bool>();
  if (j.contains("mtu") && j["mtu"].is_number()) t.mtu = j["mtu"].get<int>();
  if (j.contains("why") && j["why"].is_string()) t.why = j["why"];
  for (const auto& h : j.at("hops")) t.hops.push_back(hop_from(h));
  if (j.contains("packets"))
    for (const auto& p : j["packets"]) t.packets.push_back({p.at("name"), leg_from(p.at("leg"))});
  else  // written before packets were: one request and one reply
    t.packets = {{"request", Leg::request}, {"reply", Leg::reply}};
  return t;
}

}  // namespace ovl::trace
