#include "core/trace/render.h"

#include <cstdio>

#include "core/trace/walk.h"

namespace ovl::trace {
namespace {

std::string pad(std::string s, size_t width) {
  if (s.size() < width) s.append(width - s.size(), ' ');
  return s;
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
  std::optional<Leg> leg;
  for (const auto& h : t.hops) {
    if (leg != h.leg) out += std::string("-- ") + to_string(h.leg) + "\n";
    leg = h.leg;
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
                      {"encap", &d.encap}, {"local", &d.local}, {"sentence", &d.sentence},
                      {"process", &d.process}})
    if (!v->empty()) dj[k] = *v;
  return dj;
}

Json hop_json(const Hop& h, const HopWalk& w) {
  Json hop{{"seq", h.seq}, {"t_ns", h.t_ns}, {"host", h.host}, {"if", h.iface}, {"dir", to_string(h.dir)},
           {"leg", to_string(h.leg)}, {"dt_ns", w.dt_ns}, {"since_ns", w.since_ns}};
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
  j["dst"] = t.dst.str();
  j["reply"] = t.reply;
  j["ttl"] = t.ttl ? Json(*t.ttl) : Json(nullptr);
  j["outcome"] = t.outcome;
  j["crossings"] = {{"request", t.crossings(Leg::request)}, {"reply", t.crossings(Leg::reply)}};
  j["lab"] = t.origin.lab;
  j["backend"] = t.origin.backend;
  j["etcd"] = t.origin.etcd_host.empty() ? Json(nullptr)
                                         : Json{{"host", t.origin.etcd_host}, {"prefix", t.origin.etcd_prefix}};
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
  for (const auto& h : j.at("hops")) t.hops.push_back(hop_from(h));
  return t;
}

}  // namespace ovl::trace
