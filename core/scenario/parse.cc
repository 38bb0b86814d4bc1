#include "core/scenario/parse.h"

#include <algorithm>
#include <charconv>
#include <pugixml.hpp>
#include <set>

#include "core/scenario/names.h"

namespace ovl::scenario {
namespace {

// Maps byte offsets in the scenario text to 1-based line and column.
class LineIndex {
 public:
  explicit LineIndex(std::string_view text) : text_(text) {
    starts_.push_back(0);
    for (size_t i = 0; i < text.size(); ++i)
      if (text[i] == '\n') starts_.push_back(i + 1);
  }
  Pos at(size_t offset) const {
    auto it = std::upper_bound(starts_.begin(), starts_.end(), offset);
    size_t line = size_t(it - starts_.begin());
    return Pos{int(line), int(offset - starts_[line - 1] + 1)};
  }
  std::string_view text() const { return text_; }

 private:
  std::string_view text_;
  std::vector<size_t> starts_;
};

bool is_name_char(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_' || c == '.' ||
         c == ':';
}

// Reads one element's attributes, reporting bad values, unknown attributes
// and missing required ones at their own positions.
class Element {
 public:
  Element(pugi::xml_node node, const LineIndex& lines, Diagnostics& diags,
          std::initializer_list<const char*> known)
      : node_(node), lines_(lines), diags_(diags), known_(known.begin(), known.end()) {
    for (auto attr : node_.attributes()) {
      if (!known_.count(attr.name()))
        diags_.error(attr_pos(attr.name()),
                     "<" + std::string(node_.name()) + "> has no attribute " + quoted(attr.name()) +
                         did_you_mean(attr.name(), {known_.begin(), known_.end()}));
    }
  }

  pugi::xml_node node() const { return node_; }
  Pos pos() const { return lines_.at(size_t(std::max<ptrdiff_t>(node_.offset_debug() - 1, 0))); }
  bool ok() const { return ok_; }
  bool has(const char* name) const { return bool(node_.attribute(name)); }

  std::string text(const char* name, bool required) {
    auto attr = node_.attribute(name);
    if (!attr) {
      if (required) fail(pos(), std::string("<") + node_.name() + "> needs attribute '" + name + "'");
      return {};
    }
    return attr.value();
  }

  std::optional<net::Ipv4> ip(const char* name, bool required) {
    auto value = text(name, required);
    if (!has(name)) return std::nullopt;
    auto ip = net::Ipv4::parse(value);
    if (!ip) bad_value(name, value, "an IPv4 address such as 172.20.33.102");
    return ip;
  }

  // A network: host bits must be clear, and the fix is named when they are not.
  std::optional<net::Cidr> network(const char* name, bool required) {
    auto value = text(name, required);
    if (!has(name)) return std::nullopt;
    auto cidr = net::Cidr::parse(value);
    if (!cidr) {
      bad_value(name, value, "a network such as 172.20.32.0/19");
      return std::nullopt;
    }
    if (cidr->has_host_bits()) {
      fail(attr_pos(name), std::string(name) + " " + quoted(value) +
                               " has host bits set (did you mean '" + cidr->canonical().str() +
                               "'?)");
      return std::nullopt;
    }
    return cidr;
  }

  std::optional<long> number(const char* name, long min, long max) {
    if (!has(name)) return std::nullopt;
    std::string value = node_.attribute(name).value();
    long n = 0;
    auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), n);
    if (ec != std::errc() || end != value.data() + value.size() || n < min || n > max) {
      bad_value(name, value,
                "a whole number from " + std::to_string(min) + " to " + std::to_string(max));
      return std::nullopt;
    }
    return n;
  }

  std::optional<bool> boolean(const char* name) {
    if (!has(name)) return std::nullopt;
    std::string value = node_.attribute(name).value();
    if (value == "true") return true;
    if (value == "false") return false;
    bad_value(name, value, "'true' or 'false'");
    return std::nullopt;
  }

  // One of choices; returns its index.
  std::optional<size_t> choice(const char* name, std::initializer_list<const char*> choices) {
    if (!has(name)) return std::nullopt;
    std::string value = node_.attribute(name).value();
    std::vector<std::string> names(choices.begin(), choices.end());
    for (size_t i = 0; i < names.size(); ++i)
      if (names[i] == value) return i;
    std::string list;
    for (size_t i = 0; i < names.size(); ++i)
      list += (i ? (i + 1 == names.size() ? " or '" : ", '") : "'") + names[i] + "'";
    bad_value(name, value, list);
    return std::nullopt;
  }

  // A name of a lab object: letters, digits, '-' and '_', starting with a
  // letter or digit, at most 32 bytes.
  std::string object_name(const char* name = "name") {
    auto value = text(name, true);
    if (!has(name)) return value;
    bool good = !value.empty() && value.size() <= 32 &&
                std::isalnum(static_cast<unsigned char>(value[0])) &&
                std::all_of(value.begin(), value.end(), [](char c) {
                  return std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_';
                });
    if (!good)
      bad_value(name, value,
                "1 to 32 letters, digits, '-' or '_', starting with a letter or digit");
    return value;
  }

  Pos attr_pos(const char* name) const;

  void fail(Pos at, std::string message) {
    ok_ = false;
    diags_.error(at, std::move(message));
  }

 private:
  void bad_value(const char* name, const std::string& value, const std::string& expected) {
    fail(attr_pos(name), std::string("<") + node_.name() + "> attribute " + name + "=" + quoted(value) +
                             " is not valid: expected " + expected);
  }

  pugi::xml_node node_;
  const LineIndex& lines_;
  Diagnostics& diags_;
  std::set<std::string> known_;
  bool ok_ = true;
};

// pugixml records element offsets only; attributes are found by scanning the
// start tag for `name=` outside quoted values.
Pos Element::attr_pos(const char* name) const {
  auto text = lines_.text();
  size_t i = size_t(std::max<ptrdiff_t>(node_.offset_debug(), 0));
  std::string_view wanted(name);
  char quote = 0;
  for (; i < text.size() && (quote || text[i] != '>'); ++i) {
    char c = text[i];
    if (quote) {
      if (c == quote) quote = 0;
    } else if (c == '"' || c == '\'') {
      quote = c;
    } else if (!is_name_char(text[i - 1]) && text.substr(i, wanted.size()) == wanted) {
      size_t j = i + wanted.size();
      while (j < text.size() && std::isspace(static_cast<unsigned char>(text[j]))) ++j;
      if (j < text.size() && text[j] == '=') return lines_.at(i);
    }
  }
  return pos();
}

class Parser {
 public:
  Parser(std::string_view text, Diagnostics& diags) : lines_(text), diags_(diags) {}

  Scenario run(const pugi::xml_document& doc, const std::string& file);

 private:
  Element element(pugi::xml_node node, std::initializer_list<const char*> known) {
    return Element(node, lines_, diags_, known);
  }
  Pos pos_of(pugi::xml_node node) {
    return lines_.at(size_t(std::max<ptrdiff_t>(node.offset_debug() - 1, 0)));
  }
  void unknown_child(pugi::xml_node parent, pugi::xml_node child,
                     std::vector<std::string> allowed);
  void read_underlay(pugi::xml_node node, Scenario& s);
  Segment read_segment(pugi::xml_node node);
  Router read_router(pugi::xml_node node);
  void read_overlay(pugi::xml_node node, Scenario& s);
  Node read_node(pugi::xml_node node);
  External read_external(pugi::xml_node node);
  Probe read_probe(pugi::xml_node node);
  void read_probe_spec(Element& e, ProbeSpec& spec);
  Expect read_expect(pugi::xml_node node);

  LineIndex lines_;
  Diagnostics& diags_;
};

void Parser::unknown_child(pugi::xml_node parent, pugi::xml_node child,
                           std::vector<std::string> allowed) {
  if (child.type() != pugi::node_element) return;
  diags_.error(pos_of(child), std::string("<") + parent.name() + "> cannot contain <" +
                                  std::string(std::string_view(child.name()).substr(0, 40)) + ">" +
                                  did_you_mean(child.name(), allowed));
}

Scenario Parser::run(const pugi::xml_document& doc, const std::string& file) {
  Scenario s;
  s.file = file;
  auto root = doc.document_element();
  if (std::string(root.name()) != "scenario") {
    diags_.error(pos_of(root), std::string("the root element is <") + root.name() +
                                   ">; a scenario file starts with <scenario name=\"...\">");
    return s;
  }
  auto e = element(root, {"name", "version"});
  s.pos = e.pos();
  s.name = e.text("name", true);
  if (e.has("name"))
    if (auto problem = lab_name_problem(s.name); !problem.empty())
      e.fail(e.attr_pos("name"), "scenario name " + quoted(s.name) + " cannot name a lab: " + problem);
  if (e.has("version") && std::string(root.attribute("version").value()) != "1")
    e.fail(e.attr_pos("version"), std::string("scenario format version '") +
                                      root.attribute("version").value() +
                                      "' is not supported; this overlaylab reads version 1");
  int overlays = 0, underlays = 0;
  for (auto child : root.children()) {
    std::string tag = child.name();
    if (tag == "description") {
      s.description = child.child_value();
    } else if (tag == "underlay") {
      if (underlays++) diags_.error(pos_of(child), "a scenario has one <underlay>");
      read_underlay(child, s);
    } else if (tag == "overlay") {
      if (overlays++) diags_.error(pos_of(child), "a scenario has one <overlay>");
      read_overlay(child, s);
    } else if (tag == "node") {
      s.nodes.push_back(read_node(child));
    } else if (tag == "external") {
      s.externals.push_back(read_external(child));
    } else if (tag == "probe") {
      s.probes.push_back(read_probe(child));
    } else if (tag == "expect") {
      s.expects.push_back(read_expect(child));
    } else {
      unknown_child(root, child, {"description", "underlay", "overlay", "node", "external", "probe", "expect"});
    }
  }
  if (!underlays) diags_.error(s.pos, "the scenario has no <underlay>: add one with a <segment>");
  if (!overlays)
    diags_.error(s.pos, "the scenario has no <overlay>: add <overlay network=\"...\"/>");
  if (s.nodes.empty()) diags_.error(s.pos, "the scenario has no <node>");
  if (s.overlay.etcd_node.empty() && !s.nodes.empty()) s.overlay.etcd_node = s.nodes.front().name;
  return s;
}

void Parser::read_underlay(pugi::xml_node node, Scenario& s) {
  element(node, {});
  for (auto child : node.children()) {
    std::string tag = child.name();
    if (tag == "segment")
      s.segments.push_back(read_segment(child));
    else if (tag == "router")
      s.routers.push_back(read_router(child));
    else
      unknown_child(node, child, {"segment", "router"});
  }
  if (s.segments.empty()) diags_.error(pos_of(node), "<underlay> needs at least one <segment>");
}

Segment Parser::read_segment(pugi::xml_node node) {
  auto e = element(node, {"name", "cidr", "mtu", "gateway"});
  Segment seg;
  seg.pos = e.pos();
  seg.name = e.object_name();
  if (auto cidr = e.network("cidr", true)) seg.cidr = *cidr;
  if (auto mtu = e.number("mtu", 576, 65535)) seg.mtu = int(*mtu);
  seg.gateway = e.ip("gateway", false);
  seg.complete = e.ok();
  return seg;
}

Router Parser::read_router(pugi::xml_node node) {
  auto e = element(node, {"name"});
  Router r;
  r.pos = e.pos();
  r.name = e.object_name();
  for (auto child : node.children()) {
    if (std::string(child.name()) != "attach") {
      unknown_child(node, child, {"attach"});
      continue;
    }
    auto a = element(child, {"segment", "ip", "iface"});
    Attach attach;
    attach.pos = a.pos();
    attach.segment = a.text("segment", true);
    if (auto ip = a.ip("ip", true)) attach.ip = *ip;
    attach.iface = a.has("iface") ? a.text("iface", false)
                                  : "eth" + std::to_string(r.attaches.size());
    attach.complete = a.ok();
    r.attaches.push_back(attach);
  }
  if (r.attaches.empty())
    diags_.error(r.pos, "router '" + r.name + "' needs at least one <attach segment=... ip=...>");
  return r;
}

void Parser::read_overlay(pugi::xml_node node, Scenario& s) {
  auto e = element(node, {"network", "subnet-len", "backend", "port", "vni", "store", "etcd-node",
                          "ip-masq"});
  Overlay& o = s.overlay;
  o.pos = e.pos();
  if (auto network = e.network("network", true)) {
    o.network = *network;
    o.subnet_len = default_subnet_len(network->len());
    if (network->len() > 28)
      e.fail(e.attr_pos("network"), "network " + network->str() +
                                        " is too small: Flannel needs at least a /28");
  }
  if (auto len = e.number("subnet-len", 1, 30)) o.subnet_len = int(*len);
  if (auto b = e.choice("backend", {"udp", "vxlan", "host-gw"})) o.backend = Backend(*b);
  o.port = default_port(o.backend);
  if (auto port = e.number("port", 1, 65535)) o.port = uint16_t(*port);
  if (auto vni = e.number("vni", 0, 16777215)) o.vni = uint32_t(*vni);
  if (auto st = e.choice("store", {"etcd", "local"})) o.store = Store(*st);
  o.etcd_node_given = e.has("etcd-node");
  o.etcd_node = e.text("etcd-node", false);
  if (auto masq = e.boolean("ip-masq")) o.ip_masq = *masq;
  o.complete = e.ok();
  for (auto child : node.children()) unknown_child(node, child, {});
}

Node Parser::read_node(pugi::xml_node node) {
  auto e = element(node, {"name", "segment", "ip", "iface", "mtu", "subnet", "runtime", "daemon"});
  Node n;
  n.pos = e.pos();
  n.name = e.object_name();
  n.segment = e.text("segment", true);
  if (auto ip = e.ip("ip", true)) n.ip = *ip;
  if (e.has("iface")) n.iface = e.text("iface", false);
  if (auto mtu = e.number("mtu", 576, 65535)) n.mtu = int(*mtu);
  n.subnet = e.network("subnet", false);
  if (auto rt = e.choice("runtime", {"docker", "cni"})) n.runtime = Runtime(*rt);
  if (auto d = e.choice("daemon", {"overlayd", "external"})) n.daemon = Daemon(*d);
  for (auto child : node.children()) {
    if (std::string(child.name()) != "container") {
      unknown_child(node, child, {"container"});
      continue;
    }
    auto c = element(child, {"name", "ip"});
    Container container;
    container.pos = c.pos();
    container.name = c.object_name();
    container.ip = c.ip("ip", false);
    container.complete = c.ok();
    n.containers.push_back(container);
  }
  n.complete = e.ok();
  return n;
}

External Parser::read_external(pugi::xml_node node) {
  auto e = element(node, {"name", "segment", "ip", "iface"});
  External x;
  x.pos = e.pos();
  x.name = e.object_name();
  x.segment = e.text("segment", true);
  if (auto ip = e.ip("ip", true)) x.ip = *ip;
  if (e.has("iface")) x.iface = e.text("iface", false);
  x.complete = e.ok();
  for (auto child : node.children()) unknown_child(node, child, {});
  return x;
}

Probe Parser::read_probe(pugi::xml_node node) {
  auto e = element(node, {"name", "from", "to", "count", "kind", "port", "size", "df", "listen"});
  Probe p;
  p.pos = e.pos();
  p.name = e.object_name();
  p.from = e.text("from", true);
  p.to = e.text("to", true);
  if (auto count = e.number("count", 1, 100)) p.count = int(*count);
  read_probe_spec(e, p.spec);
  for (auto child : node.children()) unknown_child(node, child, {});
  return p;
}

// kind first: what the other attributes may say depends on it.
void Parser::read_probe_spec(Element& e, ProbeSpec& spec) {
  auto kind = e.choice("kind", {"icmp", "tcp", "udp"});
  spec = default_probe_spec(kind ? ProbeKind(*kind) : ProbeKind::icmp);
  bool icmp = spec.kind == ProbeKind::icmp;
  if (auto port = e.number("port", 1, 65535)) spec.port = uint16_t(*port);
  if (auto size = e.number("size", 0, kMaxTransfer)) spec.size = int(*size);
  if (auto df = e.boolean("df")) spec.df = *df;
  if (auto listen = e.boolean("listen")) spec.listen = *listen;
  if (e.has("kind") && !kind) return;  // an unknown kind is reported; the rest cannot be judged
  if (icmp && e.has("port"))
    e.fail(e.attr_pos("port"), "port applies to tcp and udp probes; an ICMP echo has no port");
  if (icmp && e.has("listen"))
    e.fail(e.attr_pos("listen"), "listen applies to tcp and udp probes; the kernel itself answers an ICMP echo");
  if (spec.kind == ProbeKind::tcp && e.has("df"))
    e.fail(e.attr_pos("df"), "df applies to icmp and udp probes; TCP sets DF on every segment itself "
                             "(path-MTU discovery)");
  if (auto problem = probe_size_problem(spec); !problem.empty()) e.fail(e.attr_pos("size"), problem);
}

Expect Parser::read_expect(pugi::xml_node node) {
  auto e = element(node, {"probe", "reply", "ttl"});
  Expect x;
  x.pos = e.pos();
  x.probe = e.text("probe", true);
  x.reply = e.boolean("reply");
  if (auto ttl = e.number("ttl", 0, 255)) x.ttl = int(*ttl);
  for (auto child : node.children()) {
    if (std::string(child.name()) != "hop") {
      unknown_child(node, child, {"hop"});
      continue;
    }
    auto h = element(child, {"at", "src"});
    x.hops.push_back(ExpectHop{h.text("at", true), h.pos(), h.ip("src", false)});
  }
  return x;
}

}  // namespace

std::string probe_size_problem(const ProbeSpec& spec) {
  if (spec.kind == ProbeKind::tcp) {
    if (spec.size < 0 || spec.size > kMaxTransfer)
      return "size " + std::to_string(spec.size) + " is not a transfer overlaylab makes: use 0 to " +
             std::to_string(kMaxTransfer) + " bytes";
    return "";
  }
  if (spec.size > kMaxDatagramPayload)
    return "size " + std::to_string(spec.size) + " does not fit in one IPv4 packet: an ICMP or UDP payload is at "
           "most " + std::to_string(kMaxDatagramPayload) + " bytes (65535 less the IPv4 and ICMP or UDP headers)";
  if (spec.size < int(kNonceBytes))
    return "size " + std::to_string(spec.size) + " is too small: a probe is recognised by the " +
           std::to_string(kNonceBytes) + " random bytes that start its payload; use " + std::to_string(kNonceBytes) +
           " or more";
  return "";
}

int default_subnet_len(int network_len) { return network_len <= 22 ? 24 : network_len + 2; }

Scenario parse(std::string_view text, const std::string& file, Diagnostics& diags) {
  pugi::xml_document doc;
  auto result = doc.load_buffer(text.data(), text.size(), pugi::parse_default, pugi::encoding_utf8);
  Parser parser(text, diags);
  if (!result) {
    LineIndex lines(text);
    diags.error(lines.at(size_t(std::max<ptrdiff_t>(result.offset, 0))),
                std::string("malformed XML: ") + result.description());
    Scenario empty;
    empty.file = file;
    return empty;
  }
  return parser.run(doc, file);
}

}  // namespace ovl::scenario
