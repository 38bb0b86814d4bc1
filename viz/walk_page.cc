#include "viz/walk_page.h"

#include <map>

#include "core/trace/render.h"
#include "viz/graph.h"
#include "walk_assets.h"  // generated from viz/walk/ by cmake/embed.cmake

namespace ovl::viz {
namespace {

using Json = nlohmann::ordered_json;

// JSON inside <script>: a '<' could end the element ("</script>"), so every
// one is written as its JSON escape.
std::string script_json(const Json& j) {
  std::string text = j.dump(-1, ' ', false, Json::error_handler_t::replace), out;
  out.reserve(text.size());
  for (char c : text) out += c == '<' ? std::string("\\u003c") : std::string(1, c);
  return out;
}

// Graphviz's SVG without its XML prolog and doctype, to sit inside HTML.
std::string inline_svg(const std::string& svg) {
  size_t at = svg.find("<svg");
  return at == std::string::npos ? "" : svg.substr(at);
}

Json table_json(const SummaryTable& t) { return {{"header", t.header}, {"rows", t.rows}, {"notes", t.notes}}; }

// Replaces each @NAME@ of the template with its value, in one pass: a
// value's own text is never searched again.
std::string fill(std::string_view page, const std::map<std::string, std::string_view>& values) {
  std::string out;
  size_t at = 0;
  for (size_t open; (open = page.find('@', at)) != std::string_view::npos;) {
    size_t close = page.find('@', open + 1);
    if (close == std::string_view::npos) break;
    auto it = values.find(std::string(page.substr(open + 1, close - open - 1)));
    out += page.substr(at, (it == values.end() ? close : open) - at);
    if (it != values.end()) out += it->second;
    at = it == values.end() ? close : close + 1;
  }
  return out += page.substr(at);
}

}  // namespace

std::string render_walk_html(const std::string& title, const std::vector<WalkPage>& pages) {
  Json data{{"title", title}, {"pages", Json::array()}};
  std::string diagrams;
  int n = 0;
  for (const auto& page : pages) {
    Json p{{"name", page.name}, {"title", page.title},
           {"table", page.table ? table_json(*page.table) : Json(nullptr)}, {"walks", Json::array()}};
    for (const auto& w : page.walks) {
      std::string id = "diagram-" + std::to_string(n++);
      diagrams += "<template id=\"" + id + "\">" + inline_svg(w.svg) + "</template>\n";
      p["walks"].push_back({{"label", w.label}, {"diagram", id}, {"trace", w.trace}});
    }
    data["pages"].push_back(p);
  }
  std::string escaped_title = html_escape(title), json = script_json(data);
  std::string script;  // one script, its parts in the order walk.html names them
  for (auto part : {assets::dom_js, assets::diagram_js, assets::panel_js, assets::walk_js}) script += part;
  return fill(assets::walk_html, {{"TITLE", escaped_title}, {"STYLE", assets::walk_css}, {"SCRIPT", script},
                                  {"DIAGRAMS", diagrams}, {"DATA", json}});
}

std::string walk_title(const scenario::Scenario& s, const trace::Trace& t) {
  return lab_title(s) + " - probe " + t.probe + ": " + t.from + " -> " + t.to;
}

std::string render_walk(const scenario::Scenario& s, const Leases& leases, const trace::Trace& t) {
  WalkColumn walk{scenario::to_string(s.overlay.backend), render_walk_diagram(s, leases, t).svg, trace::to_json(t)};
  return render_walk_html(walk_title(s, t), {WalkPage{t.probe, walk_title(s, t), std::nullopt, {walk}}});
}

}  // namespace ovl::viz
