// The classroom walk as one self-contained HTML file: the page, its style
// and its script (real files in viz/walk/, embedded at build time), the
// trace JSON exactly as trace-<probe>.json holds it, and the walk diagrams.
// It opens from disk with no network and no server; the script steps
// through the hops (walk-<probe>.html), or through several backends' walks
// of one probe side by side (compare.html).
#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "viz/diagrams.h"

namespace ovl::viz {

// One walk on a page: a label ("udp"), its diagram (render_walk_diagram's
// SVG) and its trace (trace::to_json).
struct WalkColumn {
  std::string label;
  std::string svg;
  nlohmann::ordered_json trace;
};

// A table shown above the walks (compare's).
struct SummaryTable {
  std::vector<std::string> header;
  std::vector<std::vector<std::string>> rows;
  std::vector<std::string> notes;
};

// What one probe shows: one walk, or several stepping together.
struct WalkPage {
  std::string name;   // the probe's
  std::string title;
  std::optional<SummaryTable> table;
  std::vector<WalkColumn> walks;
};

// The HTML file; with several pages, the file offers a choice among them.
std::string render_walk_html(const std::string& title, const std::vector<WalkPage>& pages);

// The walk of one trace (walk-<probe>.html).
std::string render_walk(const scenario::Scenario& s, const Leases& leases, const trace::Trace& t);

// The page's title for a trace: "two-node: udp overlay 100.96.0.0/16 - probe p1".
std::string walk_title(const scenario::Scenario& s, const trace::Trace& t);

}  // namespace ovl::viz
