#include "core/scenario/backend_override.h"

#include <algorithm>
#include <cctype>
#include <optional>

namespace ovl::scenario {
namespace {

// The TTL decrements a backend adds to a reply between two nodes' containers.
int daemon_decrements(Backend b) { return b == Backend::udp ? 2 : 0; }

size_t offset_of(std::string_view text, Pos pos) {
  size_t i = 0;
  for (int line = 1; i < text.size() && line < pos.line; ++i)
    if (text[i] == '\n') ++line;
  return i + size_t(std::max(pos.col, 1) - 1);
}

// Attribute edits inside one element's start tag, which begins at the '<'.
class StartTag {
 public:
  StartTag(std::string_view text, Pos pos) : text_(text), begin_(offset_of(text, pos)) {
    char quote = 0;
    for (end_ = begin_; end_ < text.size(); ++end_) {
      char c = text[end_];
      if (quote)
        quote = c == quote ? 0 : quote;
      else if (c == '"' || c == '\'')
        quote = c;
      else if (c == '>')
        break;
    }
  }

  // Where the value of attribute name lies (between its quotes), if present.
  std::optional<std::pair<size_t, size_t>> value(std::string_view name) const {
    char quote = 0;  // never match inside another attribute's value
    for (size_t i = begin_; i + name.size() < end_; ++i) {
      char c = text_[i];
      if (quote) {
        quote = c == quote ? 0 : quote;
        continue;
      }
      if (c == '"' || c == '\'') quote = c;
      if (!std::isspace(static_cast<unsigned char>(c)) || text_.substr(i + 1, name.size()) != name) continue;
      size_t j = i + 1 + name.size();
      while (j < end_ && std::isspace(static_cast<unsigned char>(text_[j]))) ++j;
      if (j >= end_ || text_[j] != '=') continue;
      ++j;
      while (j < end_ && std::isspace(static_cast<unsigned char>(text_[j]))) ++j;
      if (j >= end_ || (text_[j] != '"' && text_[j] != '\'')) continue;
      size_t close = text_.find(text_[j], j + 1);
      if (close == std::string_view::npos || close > end_) return std::nullopt;
      return std::make_pair(j + 1, close);
    }
    return std::nullopt;
  }

  size_t insertion_point() const { return end_ > begin_ && text_[end_ - 1] == '/' ? end_ - 1 : end_; }
  size_t begin() const { return begin_; }
  // Past the element: its start tag when it is empty (<hop .../>), else its end tag.
  size_t element_end(std::string_view name) const {
    if (end_ >= text_.size() || text_[end_ - 1] == '/') return std::min(end_ + 1, text_.size());
    auto close = text_.find("</" + std::string(name) + ">", end_);
    return close == std::string_view::npos ? end_ + 1 : close + name.size() + 3;
  }

 private:
  std::string_view text_;
  size_t begin_, end_;
};

struct Edit {
  size_t at, erase;
  std::string insert;
};

// Sets name="value" in the start tag: the value in place, or a new attribute.
void set_attribute(std::vector<Edit>& edits, const StartTag& tag, std::string_view name, const std::string& value) {
  if (auto span = tag.value(name))
    edits.push_back({span->first, span->second - span->first, value});
  else
    edits.push_back({tag.insertion_point(), 0, " " + std::string(name) + "=\"" + value + "\""});
}

// The node a probe endpoint runs on when it is a container (by name or by
// its pinned address), else nullptr.
const Node* container_node(const Scenario& s, const std::string& endpoint) {
  if (auto* node = s.node_of(endpoint)) return node;
  for (const auto& n : s.nodes)
    for (const auto& c : n.containers)
      if (c.ip && c.ip->str() == endpoint) return &n;
  return nullptr;
}

// The overlay device a hop names: flannel0 (udp), flannel.<vni> (vxlan);
// host-gw has none.
std::string overlay_device(Backend b, uint32_t vni) {
  if (b == Backend::udp) return "flannel0";
  if (b == Backend::vxlan) return "flannel." + std::to_string(vni);
  return "";
}

// An XML comment in place of the element, as long as it (so no line moves).
std::string comment_out(std::string_view element, const std::string& why) {
  std::string body = " " + why + " ";
  for (size_t at; (at = body.find("--")) != std::string::npos;) body.replace(at, 2, "- ");
  std::string out = "<!--" + body + "-->";
  // Keep the element's line breaks so later lines keep their numbers.
  for (char c : element)
    if (c == '\n') out += '\n';
  return out;
}

// Hops on the old backend's device move to the new one's, or go when the
// new backend has none.
void move_hops(const Scenario& s, std::string_view text, Backend backend, std::vector<Edit>& edits,
               std::vector<std::string>& notes) {
  auto from = overlay_device(s.overlay.backend, s.overlay.vni), to = overlay_device(backend, s.overlay.vni);
  if (from.empty()) return;
  for (const auto& x : s.expects)
    for (const auto& hop : x.hops) {
      auto colon = hop.at.find(':');
      if (colon == std::string::npos || hop.at.substr(colon + 1) != from) continue;
      auto host = hop.at.substr(0, colon);
      StartTag tag(text, hop.pos);
      if (!to.empty()) {
        set_attribute(edits, tag, "at", host + ":" + to);
        notes.push_back("expect " + x.probe + ": hop " + host + ":" + to + " instead of " + hop.at);
        continue;
      }
      auto end = tag.element_end("hop");
      auto why = "hop " + hop.at + " left out: " + to_string(backend) + " has no overlay device";
      edits.push_back({tag.begin(), end - tag.begin(), comment_out(text.substr(tag.begin(), end - tag.begin()), why)});
      notes.push_back("expect " + x.probe + ": " + why);
    }
}

void rebase_ttls(const Scenario& s, std::string_view text, Backend backend, std::vector<Edit>& edits,
                 std::vector<std::string>& notes) {
  int shift = daemon_decrements(s.overlay.backend) - daemon_decrements(backend);
  if (shift == 0) return;
  for (const auto& x : s.expects) {
    if (!x.ttl) continue;
    auto probe = std::find_if(s.probes.begin(), s.probes.end(), [&](const Probe& p) { return p.name == x.probe; });
    if (probe == s.probes.end()) continue;
    auto *from = container_node(s, probe->from), *to = container_node(s, probe->to);
    if (!from || !to || from == to) continue;
    int ttl = *x.ttl + shift;
    set_attribute(edits, StartTag(text, x.pos), "ttl", std::to_string(ttl));
    notes.push_back("expect " + x.probe + ": ttl=" + std::to_string(ttl) + " instead of " + std::to_string(*x.ttl) +
                    (shift > 0 ? ": no udp daemons decrement it on the way" : ": the two udp daemons decrement it too"));
  }
}

}  // namespace

std::optional<Backend> parse_backend(std::string_view name) {
  for (auto b : {Backend::udp, Backend::vxlan, Backend::host_gw})
    if (name == to_string(b)) return b;
  return std::nullopt;
}

BackendOverride override_backend(std::string_view text, const Scenario& s, Backend backend) {
  BackendOverride out{std::string(text), {}};
  const auto& o = s.overlay;
  if (backend == o.backend) return out;
  std::vector<Edit> edits;
  StartTag overlay(text, o.pos);
  set_attribute(edits, overlay, "backend", to_string(backend));
  out.notes.push_back(std::string("backend ") + to_string(backend) + " instead of " + to_string(o.backend) +
                      " (--backend)");
  if (overlay.value("port") && o.port == default_port(o.backend) && default_port(backend) != o.port) {
    set_attribute(edits, overlay, "port", std::to_string(default_port(backend)));
    out.notes.push_back("port " + std::to_string(default_port(backend)) + ", " + to_string(backend) +
                        "'s default, instead of " + std::to_string(o.port));
  }
  rebase_ttls(s, text, backend, edits, out.notes);
  move_hops(s, text, backend, edits, out.notes);
  std::sort(edits.begin(), edits.end(), [](const Edit& a, const Edit& b) { return a.at > b.at; });
  for (const auto& e : edits) out.text.replace(e.at, e.erase, e.insert);
  return out;
}

Loaded reload_with_backend(const Loaded& original, Backend backend, std::vector<std::string>* notes) {
  auto changed = override_backend(original.text, original.scenario, backend);
  if (notes) *notes = changed.notes;
  return load_text(changed.text, original.scenario.file);
}

}  // namespace ovl::scenario
