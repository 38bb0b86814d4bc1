#include "core/trace/step_text.h"

#include <algorithm>
#include <cstdio>

namespace ovl::trace {
namespace {

constexpr const char* kBold = "1";
constexpr const char* kDim = "2";
constexpr const char* kReverse = "7";
constexpr const char* kStrike = "9";
constexpr size_t kMaxByteRows = 24;  // a screen, not a dump: longer packets are cut

// Text in an ANSI style when colours are on.
class Paint {
 public:
  explicit Paint(bool on) : on_(on) {}
  std::string operator()(const char* sgr, const std::string& text) const {
    return on_ ? "\x1b[" + std::string(sgr) + "m" + text + "\x1b[0m" : text;
  }

 private:
  bool on_;
};

const char* leg_colour(Leg leg) { return leg == Leg::request ? "1;34" : "1;33"; }

std::string duration(int64_t ns) {
  char text[32];
  if (ns < 1000000)
    std::snprintf(text, sizeof text, "%.1f us", double(ns) / 1e3);
  else
    std::snprintf(text, sizeof text, "%.2f ms", double(ns) / 1e6);
  return text;
}

// text broken at spaces into lines of at most width, each starting with indent.
std::string wrap(const std::string& text, size_t width, const std::string& indent) {
  std::string out, line;
  size_t at = 0;
  while (at < text.size()) {
    size_t space = text.find(' ', at);
    std::string word = text.substr(at, space == std::string::npos ? std::string::npos : space - at);
    if (!line.empty() && indent.size() + line.size() + 1 + word.size() > width) {
      out += indent + line + "\n";
      line.clear();
    }
    line += (line.empty() ? "" : " ") + word;
    at = space == std::string::npos ? text.size() : space + 1;
  }
  return line.empty() ? out : out + indent + line + "\n";
}

// Every hop's number, the current one marked, a bar between the legs.
std::string strip(const Trace& t, size_t index, const Paint& paint) {
  std::string out;
  for (size_t i = 0; i < t.hops.size(); ++i) {
    if (i && t.hops[i].leg != t.hops[i - 1].leg) out += " |";
    std::string n = std::to_string(t.hops[i].seq);
    out += " " + (i == index ? paint(kReverse, "[" + n + "]") : i < index ? n : paint(kDim, n));
  }
  return out + "\n";
}

std::string headers(const Hop& hop, const HopWalk& w, const Paint& paint) {
  std::string out = "headers, outer first:\n";
  for (const Layer* gone : w.removed) out += "  - " + paint(kStrike, gone->summary) + "   (removed here)\n";
  for (size_t i = 0; i < hop.layers.size(); ++i) {
    const auto& l = hop.layers[i];
    std::string line = l.summary + (l.length ? "  (" + std::to_string(l.length) + " B)" : "");
    out += w.added[i] ? "  + " + paint(kBold, line) + "   (added here)\n" : "    " + line + "\n";
  }
  return out;
}

std::string decision(const Hop& hop, size_t width) {
  if (!hop.decision) return "decision: none here; the packet only passed by\n";
  const Decision& d = *hop.decision;
  std::string out = "decision:\n" + wrap(d.sentence.empty() ? d.text() : d.sentence, width, "  ");
  for (auto [label, value] : {std::pair{"route", &d.route}, {"matched", &d.matched}, {"neighbour", &d.neighbour},
                              {"fdb", &d.fdb}, {"lease", &d.lease}})
    if (!value->empty())
      out += "  " + std::string(label) + std::string(10 - std::string(label).size(), ' ') + *value + "\n";
  return out;
}

std::string commands(const HopWalk& w) {
  if (w.commands.empty()) return "";
  std::string out = "see it yourself:\n";
  for (const auto& c : w.commands) out += "  $ " + c + "\n";
  return out;
}

// Hex and ASCII, 16 bytes a row; with colours, the added headers' bytes
// stand out.
std::string bytes(const Hop& hop, const HopWalk& w, const Paint& paint) {
  if (hop.bytes.empty()) return "";
  std::vector<bool> lit(hop.bytes.size(), false);
  for (size_t i = 0; i < hop.layers.size(); ++i)
    for (size_t b = hop.layers[i].offset; w.added[i] && b < hop.layers[i].offset + hop.layers[i].length; ++b)
      if (b < lit.size()) lit[b] = true;
  std::string out =
      "captured bytes (" + std::to_string(hop.bytes.size()) + " of " + std::to_string(hop.wire_len) + "):\n";
  for (size_t row = 0; row < hop.bytes.size() && row / 16 < kMaxByteRows; row += 16) {
    char offset[16];
    std::snprintf(offset, sizeof offset, "  %04zx  ", row);
    std::string hex, ascii;
    for (size_t b = row; b < row + 16 && b < hop.bytes.size(); ++b) {
      unsigned v = std::to_integer<unsigned>(hop.bytes[b]);
      char two[4];
      std::snprintf(two, sizeof two, "%02x", v);
      hex += (b > row ? (b - row == 8 ? "  " : " ") : "") + (lit[b] ? paint(kReverse, two) : std::string(two));
      std::string ch(1, v >= 0x20 && v < 0x7f ? char(v) : '.');
      ascii += lit[b] ? paint(kReverse, ch) : ch;
    }
    size_t shown = std::min<size_t>(16, hop.bytes.size() - row);
    size_t drawn = 3 * shown - 1 + (shown > 8);  // of a full row's 48 columns
    out += offset + hex + std::string(48 - drawn + 2, ' ') + ascii + "\n";
  }
  return out;
}

}  // namespace

std::string render_step(const Trace& t, const std::vector<HopWalk>& walked, size_t index, const StepStyle& style) {
  Paint paint(style.colour);
  const Hop& hop = t.hops.at(index);
  const HopWalk& w = walked.at(index);
  std::string out = paint(kBold, "probe " + t.probe + ": " + t.from + " -> " + t.to) + " (" + t.outcome +
                    (t.ttl ? ", ttl=" + std::to_string(*t.ttl) : "") + ")" +
                    (t.origin.lab.empty() ? "" : " in lab " + t.origin.lab) + "\n";
  out += strip(t, index, paint) + "\n";
  out += paint(kBold, "hop " + std::to_string(hop.seq) + " of " + std::to_string(t.hops.size())) + "  " +
         paint(leg_colour(hop.leg), std::string(to_string(hop.leg)) + " leg") + "  " +
         paint(kBold, hop.name() + " " + to_string(hop.dir)) + "\n";
  out += index ? "+" + duration(w.dt_ns) + " after hop " + std::to_string(t.hops[index - 1].seq) + ", " +
                     duration(w.since_ns) + " after hop " + std::to_string(t.hops.front().seq) + "\n"
               : "the first sighting of the probe\n";
  if (!w.crossing.empty()) out += "user/kernel crossing: " + w.crossing + "\n";
  out += "\n" + headers(hop, w, paint) + "\n" + decision(hop, style.width);
  if (std::string c = commands(w); !c.empty()) out += "\n" + c;
  if (std::string b = bytes(hop, w, paint); !b.empty()) out += "\n" + b;
  return out;
}

}  // namespace ovl::trace
