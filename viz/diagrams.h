// The two pictures overlaylab draws, as DOT text and SVG:
//   topology: the lab (lab_diagram.h);
//   path:     the lab with a probe's hops as numbered arrows, request and
//             reply in two colours, each labelled with its header stack
//             (outer above inner; what was added there highlighted, what was
//             removed struck through) and the decision taken there; the
//             daemon drawn as its own box between flannel0 and the socket;
//             the full decode in tooltips.
#pragma once

#include <filesystem>
#include <map>
#include <string>

#include "core/scenario/model.h"
#include "core/scenario/plan.h"
#include "core/trace/trace.h"

namespace ovl::viz {

struct Rendered {
  std::string dot, svg;
};

using Leases = std::map<std::string, scenario::NodeLease>;

// "two-node: udp overlay 100.96.0.0/16", the drawings' title.
std::string lab_title(const scenario::Scenario& s);

// render_svg false skips Graphviz's layout (golden tests need only DOT).
Rendered render_topology(const scenario::Scenario& s, const Leases& leases, bool render_svg = true);
Rendered render_path(const scenario::Scenario& s, const Leases& leases, const trace::Trace& trace,
                     bool render_svg = true);

// The path for the HTML walk (walk_page.h): each hop's arrows labelled with
// its number only and classed "hop hop-<seq> part-<k>" for the page's
// script; text of 14 pt or more, drawn at its natural size.
Rendered render_walk_diagram(const scenario::Scenario& s, const Leases& leases, const trace::Trace& trace);

// Writes <stem>.dot and <stem>.svg into dir.
void write_rendered(const Rendered& r, const std::filesystem::path& dir, const std::string& stem);

}  // namespace ovl::viz
