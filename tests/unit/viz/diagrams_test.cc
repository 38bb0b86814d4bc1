// Diagrams: golden DOT text for every shipped scenario's topology and for
// recorded traces' paths, DOT that Graphviz's own `dot` accepts, and SVG
// rendered in-process that holds every hop.
#include "viz/diagrams.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <fstream>

#include "core/scenario/generate.h"
#include "core/scenario/validate.h"
#include "core/trace/render.h"
#include "tests/support/files.h"

namespace ovl::viz {
namespace {

namespace fs = std::filesystem;

scenario::Scenario shipped(const std::string& name) {
  auto loaded = scenario::load_text(test::read_file(test::source_dir() / "scenarios" / (name + ".xml")),
                                    "scenarios/" + name + ".xml");
  EXPECT_TRUE(loaded.ok()) << loaded.diags.format();
  return loaded.scenario;
}

std::vector<std::string> shipped_names() {
  std::vector<std::string> names;
  for (auto& e : fs::directory_iterator(test::source_dir() / "scenarios"))
    if (e.path().extension() == ".xml") names.push_back(e.path().stem().string());
  std::sort(names.begin(), names.end());
  return names;
}

trace::Trace fixture(const std::string& name) {
  std::ifstream in(test::source_dir() / "tests/unit/viz/fixtures" / (name + ".json"));
  return trace::from_json(nlohmann::ordered_json::parse(in));
}

// Runs Graphviz's dot on text; returns its exit status.
int dot_accepts(const std::string& text) {
  auto path = fs::temp_directory_path() / ("ovltest-" + std::to_string(::getpid()) + ".dot");
  std::ofstream(path) << text;
  int status = std::system(("dot -Tsvg " + path.string() + " -o /dev/null 2>/dev/null").c_str());
  fs::remove(path);
  return status;
}

TEST(Topology, EveryShippedScenarioMatchesItsGoldenDot) {
  for (const auto& name : shipped_names()) {
    auto s = shipped(name);
    auto r = render_topology(s, scenario::predict_leases(s), false);
    test::expect_golden(test::source_dir() / "tests/unit/viz/golden" / (name + ".topology.dot"), r.dot);
    EXPECT_EQ(dot_accepts(r.dot), 0) << name;
  }
}

TEST(Path, RecordedTracesMatchTheirGoldenDot) {
  for (const auto& [scenario_name, probe] : {std::pair{"two-node", "two-node-p1"}, {"routed-underlay", "routed-underlay-p1"}}) {
    auto s = shipped(scenario_name);
    auto r = render_path(s, scenario::predict_leases(s), fixture(probe), false);
    test::expect_golden(test::source_dir() / "tests/unit/viz/golden" / (std::string(probe) + ".path.dot"), r.dot);
    EXPECT_EQ(dot_accepts(r.dot), 0) << probe;
  }
}

TEST(Path, SvgShowsEveryHopWithItsNumberAndTheOuterUdpHeader) {
  auto s = shipped("two-node");
  auto t = fixture("two-node-p1");
  auto r = render_path(s, scenario::predict_leases(s), t);
  ASSERT_NE(r.svg.find("<svg"), std::string::npos);
  size_t at = 0;
  for (const auto& hop : t.hops) {
    std::string name = hop.name() + " " + trace::to_string(hop.dir);
    for (size_t dash; (dash = name.find('-')) != std::string::npos;) name.replace(dash, 1, "&#45;");  // as Graphviz writes it
    EXPECT_NE(r.svg.find(">" + std::to_string(hop.seq) + "<"), std::string::npos) << "hop number " << hop.seq;
    auto found = r.svg.find(">" + name + "<");
    EXPECT_NE(found, std::string::npos) << name;
    at = std::max(at, found);
  }
  EXPECT_NE(r.svg.find("UDP 8285 &gt; 8285"), std::string::npos);
  EXPECT_NE(r.svg.find("overlayd"), std::string::npos);
  auto path = fs::temp_directory_path() / ("ovltest-" + std::to_string(::getpid()) + ".svg");
  std::ofstream(path) << r.svg;
  EXPECT_EQ(std::system(("xmllint --noout " + path.string()).c_str()), 0) << "not well-formed XML";
  fs::remove(path);
}

// The drawing's size in points, from the SVG's width and height.
std::pair<double, double> svg_size(const std::string& svg) {
  auto attr = [&](const char* name) {
    auto at = svg.find(std::string(name) + "=\"");
    return at == std::string::npos ? 0.0 : std::stod(svg.substr(at + std::strlen(name) + 2));
  };
  return {attr("width"), attr("height")};
}

// Shown whole on a 1920x1080 projector (SVG points at 96 dpi), the smallest
// text (10 pt hop decisions) must stay at least 9 pixels high.
void expect_legible_on_a_projector(const std::string& svg, const std::string& what) {
  auto [w, h] = svg_size(svg);
  ASSERT_GT(w, 0) << what;
  double px_per_pt = 96.0 / 72.0;
  double fit = std::min({1.0, 1920 / (w * px_per_pt), 1080 / (h * px_per_pt)});
  EXPECT_GE(10 * px_per_pt * fit, 9.0) << what << " is " << w << "x" << h << " pt";
}

TEST(Projector, TwoAndThreeNodeDiagramsAreLegibleAt1920x1080) {
  for (auto name : {"two-node", "three-node"}) {
    auto s = shipped(name);
    expect_legible_on_a_projector(render_topology(s, scenario::predict_leases(s)).svg, name);
  }
  auto s = shipped("two-node");
  expect_legible_on_a_projector(render_path(s, scenario::predict_leases(s), fixture("two-node-p1")).svg, "path");
}

TEST(Graph, NamesThatNeedQuotingRenderAndParse) {
  auto s = shipped("two-node");
  s.name = "a-lab";
  s.nodes[0].name = "node \"one\" <&>";
  s.nodes[0].containers[0].name = "c-1;drop";
  auto r = render_topology(s, scenario::predict_leases(s));
  EXPECT_EQ(dot_accepts(r.dot), 0) << r.dot;
  EXPECT_NE(r.svg.find("<svg"), std::string::npos);
}

// Drawn whole, a thousand nodes kept Graphviz busy for over 15 minutes
// under `trace`; a large lab shows the nodes a trace crosses and counts
// the rest.
TEST(LargeLab, IsDrawnWithTheNodesATraceCrossesAndCountsTheRest) {
  auto loaded = scenario::load_text(scenario::generate_scenario({.nodes = 1000}), "gen-1000.xml");
  ASSERT_TRUE(loaded.ok()) << loaded.diags.format();
  const auto& s = loaded.scenario;
  auto leases = scenario::predict_leases(s);

  auto topology = render_topology(s, leases, true);
  EXPECT_NE(topology.dot.find("997 more nodes on underlay"), std::string::npos);
  for (auto shown : {"node1:eth0", "node2:eth0", "node1000:eth0"}) EXPECT_NE(topology.dot.find(shown), std::string::npos);
  EXPECT_EQ(topology.dot.find("node500:eth0"), std::string::npos);
  EXPECT_NE(topology.svg.find("<svg"), std::string::npos);

  trace::Trace t;
  t.probe = "p1";
  t.from = "c1-1";
  t.to = "c500-1";
  for (auto host : {"c1-1", "node1", "node500", "c500-1"}) {
    trace::Hop hop;
    hop.seq = int(t.hops.size()) + 1;
    hop.host = host;
    hop.iface = "eth0";
    t.hops.push_back(hop);
  }
  auto path = render_path(s, leases, t, true);
  EXPECT_NE(path.dot.find("998 more nodes on underlay"), std::string::npos);
  EXPECT_NE(path.dot.find("node500:eth0"), std::string::npos);
  EXPECT_EQ(path.dot.find("node1000:eth0"), std::string::npos);
  EXPECT_NE(path.svg.find("<svg"), std::string::npos);
  EXPECT_NE(render_walk_diagram(s, leases, t).svg.find("<svg"), std::string::npos);
}

}  // namespace
}  // namespace ovl::viz
