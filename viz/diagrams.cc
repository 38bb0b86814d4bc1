#include "viz/diagrams.h"

#include <fstream>
#include <optional>

#include "viz/lab_diagram.h"

namespace ovl::viz {
namespace {

constexpr const char* kRequestColour = "#1f63b4";
constexpr const char* kReplyColour = "#d4540b";
constexpr const char* kAddedFill = "#ffe98a";
constexpr size_t kWrap = 46;

// Breaks text into lines of about width characters at spaces.
std::vector<std::string> wrap(const std::string& text, size_t width) {
  std::vector<std::string> lines{""};
  size_t at = 0;
  while (at < text.size()) {
    size_t space = text.find(' ', at);
    std::string word = text.substr(at, space == std::string::npos ? std::string::npos : space - at);
    if (!lines.back().empty() && lines.back().size() + 1 + word.size() > width) lines.emplace_back();
    lines.back() += (lines.back().empty() ? "" : " ") + word;
    at = space == std::string::npos ? text.size() : space + 1;
  }
  return lines;
}

// A hop's headers without its outermost Ethernet (the wire's framing).
std::vector<const trace::Layer*> headers(const trace::Hop& hop) {
  std::vector<const trace::Layer*> out;
  for (size_t i = 0; i < hop.layers.size(); ++i)
    if (!(i == 0 && hop.layers[i].proto == "eth")) out.push_back(&hop.layers[i]);
  return out;
}

// How many of a's innermost layers b shares, by protocol.
size_t common_inner(const std::vector<const trace::Layer*>& a, const std::vector<const trace::Layer*>& b) {
  size_t n = 0;
  while (n < a.size() && n < b.size() && a[a.size() - 1 - n]->proto == b[b.size() - 1 - n]->proto) ++n;
  return n;
}

std::string short_decision(const trace::Decision& d) {
  std::string out = d.userspace.empty() ? "" : d.userspace + ": ";
  if (!d.lease.empty()) return out + "lease " + d.lease;
  if (d.nat.rfind("masqueraded", 0) == 0) return out + d.nat;  // the rewrite matters more than the route here
  if (!d.route.empty()) return out + "route " + d.route;
  if (!d.bridge.empty()) return out + d.bridge;
  if (!d.encap.empty()) return out + d.encap;
  if (!d.nat.empty()) return out + d.nat;
  return out + d.local;
}

std::string hop_table(const trace::Hop& hop, const trace::Hop* previous) {
  const char* colour = hop.leg == trace::Leg::request ? kRequestColour : kReplyColour;
  auto now = headers(hop);
  std::vector<const trace::Layer*> before = previous ? headers(*previous) : now;
  size_t shared = common_inner(now, before);
  std::string t = "<TABLE BORDER=\"0\" CELLBORDER=\"1\" CELLSPACING=\"0\" CELLPADDING=\"2\" BGCOLOR=\"white\">";
  t += std::string("<TR><TD BGCOLOR=\"") + colour + "\"><FONT COLOR=\"white\"><B>" + std::to_string(hop.seq) +
       "</B></FONT></TD><TD ALIGN=\"LEFT\"><B>" + html_escape(hop.name() + " " + trace::to_string(hop.dir)) +
       "</B></TD></TR>";
  for (size_t i = 0; i + shared < before.size(); ++i)
    t += "<TR><TD COLSPAN=\"2\" ALIGN=\"LEFT\"><FONT COLOR=\"#888888\"><S>" + html_escape(before[i]->summary) +
         "</S></FONT></TD></TR>";
  for (size_t i = 0; i < now.size(); ++i) {
    bool added = previous && i + shared < now.size();
    t += std::string("<TR><TD COLSPAN=\"2\" ALIGN=\"LEFT\"") + (added ? " BGCOLOR=\"" + std::string(kAddedFill) + "\"" : "") +
         ">" + (added ? "+ " : "") + html_escape(now[i]->summary) + "</TD></TR>";
  }
  if (hop.decision && !short_decision(*hop.decision).empty()) {
    std::string lines;
    for (const auto& l : wrap(short_decision(*hop.decision), kWrap)) lines += (lines.empty() ? "" : "<BR ALIGN=\"LEFT\"/>") + html_escape(l);
    t += "<TR><TD COLSPAN=\"2\" ALIGN=\"LEFT\" BALIGN=\"LEFT\"><FONT POINT-SIZE=\"10\">" + lines + "</FONT></TD></TR>";
  }
  return t + "</TABLE>";
}

std::string tooltip(const trace::Hop& hop) {
  std::string out = "hop " + std::to_string(hop.seq) + " " + hop.name() + " " + trace::to_string(hop.dir) + "\n";
  for (const auto& l : hop.layers) out += l.proto + " " + l.fields.dump() + "\n";
  if (hop.decision) out += hop.decision->text();
  return out;
}

// Draws a trace's hops as arrows over the lab. For the walk, an arrow is
// labelled with its hop's number only and classed "hop hop-<seq> part-<k>"
// (k counts the arrows of one hop, in the order the packet takes them).
class PathDrawer {
 public:
  PathDrawer(LabDiagram& d, bool walk = false) : d_(d), g_(d.graph()), walk_(walk) {}

  // The first packet of each leg: a TCP handshake's ACK retraces its SYN,
  // and a datagram's later fragments its first.
  void draw(const trace::Trace& t) {
    for (auto leg : {trace::Leg::request, trace::Leg::reply}) {
      const trace::Hop* previous = nullptr;
      Node from = nullptr;
      std::optional<size_t> packet;
      for (const auto& hop : t.hops) {
        if (hop.leg != leg || (packet && hop.packet != *packet)) continue;
        packet = hop.packet;
        if (!from) from = d_.stack(hop.host, leg == trace::Leg::request ? "probe " + t.probe + " sent" : "answers");
        start_hop(hop.seq);
        from = step(from, previous, hop);
        previous = &hop;
      }
      // The answer goes up the destination's stack: the way into the reply's first hop.
      start_hop(previous ? previous->seq + 1 : 0);
      if (previous && leg == trace::Leg::request && t.reply) arrow(from, d_.stack(previous->host, "echo answered"), leg, "");
    }
  }

 private:
  // Draws the arrow into hop, through the daemon when it left user space.
  Node step(Node from, const trace::Hop* previous, const trace::Hop& hop) {
    Node to = d_.iface(hop.host, hop.iface);
    bool leaves_daemon = hop.decision && (hop.decision->userspace == "UDP send" || hop.decision->userspace == "TUN write");
    Node daemon = leaves_daemon ? d_.daemon(hop.host) : nullptr;
    if (daemon && previous) {
      arrow(from, daemon, hop.leg, previous->decision ? previous->decision->userspace : "");
      from = daemon;
    }
    // Across the underlay the arrow passes through the segment's bridge.
    Node segment = previous ? d_.segment_of(hop.host, hop.iface) : nullptr;
    if (segment && previous->host != hop.host && segment == d_.segment_of(previous->host, previous->iface)) {
      arrow(from, segment, hop.leg, "");
      from = segment;
    }
    if (from != to) {
      Edge e = arrow(from, to, hop.leg, "");
      if (walk_) {
        g_.set_html(e, "label", "<B>" + std::to_string(hop.seq) + "</B>");
        g_.set(e, "fontsize", "16");
      } else {
        g_.set_html(e, "label", hop_table(hop, previous));
        g_.set(e, "tooltip", tooltip(hop));
      }
    }
    return to;
  }

  void start_hop(int seq) {
    if (seq != hop_) part_ = 0;
    hop_ = seq;
  }

  Edge arrow(Node from, Node to, trace::Leg leg, const std::string& label) {
    Edge e = g_.edge(from, to, std::to_string(++edges_));
    g_.set(e, "color", leg == trace::Leg::request ? kRequestColour : kReplyColour);
    g_.set(e, "fontcolor", leg == trace::Leg::request ? kRequestColour : kReplyColour);
    g_.set(e, "penwidth", "2.2");
    g_.set(e, "dir", "forward");
    g_.set(e, "style", "solid");
    g_.set(e, "constraint", "false");  // the lab's layout stays; arrows follow it
    if (!label.empty()) g_.set(e, "label", label);
    if (walk_) g_.set(e, "class", "hop hop-" + std::to_string(hop_) + " part-" + std::to_string(++part_));
    return e;
  }

  LabDiagram& d_;
  Graph& g_;
  bool walk_;
  int edges_ = 0;
  int hop_ = 0, part_ = 0;  // the hop being drawn and its arrows so far
};

}  // namespace

std::string lab_title(const scenario::Scenario& s) {
  return s.name + ": " + scenario::to_string(s.overlay.backend) + " overlay " + s.overlay.network.str();
}

Rendered render_topology(const scenario::Scenario& s, const Leases& leases, bool render_svg) {
  LabDiagram d(s, leases, lab_title(s));
  Rendered r{d.graph().dot(), ""};
  if (render_svg) r.svg = d.graph().svg();
  return r;
}

namespace {

// The hosts a trace names: those a diagram of a large lab must still draw.
std::set<std::string> hosts_of(const trace::Trace& t) {
  std::set<std::string> out{t.from, t.to};
  for (const auto& hop : t.hops) out.insert(hop.host);
  return out;
}

}  // namespace

Rendered render_path(const scenario::Scenario& s, const Leases& leases, const trace::Trace& t, bool render_svg) {
  LabDiagram d(s, leases,
               lab_title(s) + " - probe " + t.probe + ": " + t.from + " -> " + t.to + " (" + t.outcome +
                   (t.ttl ? ", ttl=" + std::to_string(*t.ttl) : "") + ")",
               {}, hosts_of(t));
  PathDrawer(d).draw(t);
  Rendered r{d.graph().dot(), ""};
  if (render_svg) r.svg = d.graph().svg();
  return r;
}

Rendered render_walk_diagram(const scenario::Scenario& s, const Leases& leases, const trace::Trace& t) {
  // 14 pt or more, drawn at its natural size: the page scales it no
  // smaller than a projector's audience can read.
  LabDiagram d(s, leases, lab_title(s), {14, 14}, hosts_of(t));
  Graph& g = d.graph();
  g.set(g.root(), "size", "");
  PathDrawer(d, true).draw(t);
  return {g.dot(), g.svg()};
}

void write_rendered(const Rendered& r, const std::filesystem::path& dir, const std::string& stem) {
  std::filesystem::create_directories(dir);
  std::ofstream(dir / (stem + ".dot")) << r.dot;
  if (!r.svg.empty()) std::ofstream(dir / (stem + ".svg")) << r.svg;
}

}  // namespace ovl::viz
