// The HTML walk: one self-contained file whose data is the trace's own JSON,
// whose diagram marks every hop's arrows for the script, and which names
// nothing outside itself. (tests/root/walk_test.cc drives it in a browser.)
#include "viz/walk_page.h"

#include <gtest/gtest.h>

#include <fstream>
#include <regex>

#include "core/scenario/validate.h"
#include "core/trace/render.h"
#include "tests/support/files.h"

namespace ovl::viz {
namespace {

scenario::Scenario two_node() {
  auto loaded = scenario::load_text(test::read_file(test::source_dir() / "scenarios/two-node.xml"), "two-node.xml");
  EXPECT_TRUE(loaded.ok()) << loaded.diags.format();
  return loaded.scenario;
}

trace::Trace recorded() {
  std::ifstream in(test::source_dir() / "tests/unit/viz/fixtures/two-node-p1.json");
  auto t = trace::from_json(nlohmann::ordered_json::parse(in));
  t.origin = {"two-node", "udp", "node1", "/coreos.com/network"};
  return t;
}

// The JSON between <script type="application/json" id="walk-data"> and </script>.
nlohmann::ordered_json embedded_data(const std::string& html) {
  const std::string open = "<script type=\"application/json\" id=\"walk-data\">";
  size_t from = html.find(open);
  if (from == std::string::npos) return nullptr;
  from += open.size();
  return nlohmann::ordered_json::parse(html.substr(from, html.find("</script>", from) - from));
}

TEST(WalkDiagram, ClassesEveryHopsArrowsInOrder) {
  auto s = two_node();
  auto t = recorded();
  auto svg = render_walk_diagram(s, scenario::predict_leases(s), t).svg;
  for (const auto& hop : t.hops)
    EXPECT_NE(svg.find("hop hop&#45;" + std::to_string(hop.seq) + " part&#45;1\""), std::string::npos) << hop.seq;
  // Hop 5 leaves node1's overlayd: flannel0 -> overlayd, then overlayd -> eth0.
  EXPECT_NE(svg.find("hop hop&#45;5 part&#45;2\""), std::string::npos);
  // Hop 6 crosses the segment's bridge.
  EXPECT_NE(svg.find("hop hop&#45;6 part&#45;2\""), std::string::npos);
}

TEST(WalkDiagram, HasNoTextUnder14Points) {
  auto s = two_node();
  auto svg = render_walk_diagram(s, scenario::predict_leases(s), recorded()).svg;
  std::regex size("font-size=\"([0-9.]+)\"");
  int texts = 0;
  for (auto it = std::sregex_iterator(svg.begin(), svg.end(), size); it != std::sregex_iterator(); ++it, ++texts)
    EXPECT_GE(std::stod((*it)[1]), 14.0) << (*it)[0];
  EXPECT_GT(texts, 20);
  EXPECT_EQ(svg.find("scale(0"), std::string::npos) << "drawn at its natural size";
}

TEST(WalkPage, EmbedsTheTracesOwnJsonAndItsDiagram) {
  auto s = two_node();
  auto t = recorded();
  auto html = render_walk(s, scenario::predict_leases(s), t);
  auto data = embedded_data(html);
  ASSERT_TRUE(data.is_object());
  EXPECT_EQ(data["pages"][0]["walks"][0]["trace"], trace::to_json(t));
  EXPECT_EQ(data["pages"][0]["walks"][0]["label"], "udp");
  EXPECT_NE(html.find("<template id=\"diagram-0\"><svg"), std::string::npos);
  for (auto placeholder : {"@TITLE@", "@STYLE@", "@SCRIPT@", "@DIAGRAMS@", "@DATA@"})
    EXPECT_EQ(html.find(placeholder), std::string::npos) << placeholder;
  EXPECT_NE(html.find("<title>two-node: udp overlay 100.96.0.0/16 - probe p1: container-1 -&gt; container-2</title>"),
            std::string::npos);
}

TEST(WalkPage, NamesNothingOutsideItself) {
  auto s = two_node();
  auto html = render_walk(s, scenario::predict_leases(s), recorded());
  // Only the SVG namespaces are URLs; no src or href leads anywhere.
  std::regex reference("(src|href)\\s*=\\s*\"(?!data:|#)");
  EXPECT_FALSE(std::regex_search(html, reference));
  std::regex url("https?://(?!www\\.w3\\.org/(2000/svg|1999/xlink)[\"'])");
  EXPECT_FALSE(std::regex_search(html, url));
  EXPECT_EQ(html.find("<!DOCTYPE svg"), std::string::npos);
  EXPECT_EQ(html.find("<?xml"), std::string::npos);
}

TEST(WalkPage, KeepsEveryLessThanOutOfTheDataScript) {
  auto s = two_node();
  auto t = recorded();
  t.outcome = "</script><b>";
  auto html = render_walk(s, scenario::predict_leases(s), t);
  EXPECT_EQ(html.find("</script><b>"), std::string::npos);
  EXPECT_EQ(embedded_data(html)["pages"][0]["walks"][0]["trace"]["outcome"], "</script><b>");
}

TEST(ComparePage, HoldsEachBackendsWalkAndTheTable) {
  auto s = two_node();
  auto t = recorded();
  auto svg = render_walk_diagram(s, scenario::predict_leases(s), t).svg;
  WalkPage page{"p1", "probe p1", SummaryTable{{"backend", "ttl"}, {{"udp", "60"}, {"vxlan", "62"}}, {"a note"}}, {}};
  for (auto label : {"udp", "vxlan"}) page.walks.push_back({label, svg, trace::to_json(t)});
  auto data = embedded_data(render_walk_html("compare", {page}));
  ASSERT_TRUE(data.is_object());
  EXPECT_EQ(data["pages"][0]["walks"].size(), 2u);
  EXPECT_EQ(data["pages"][0]["walks"][1]["diagram"], "diagram-1");
  EXPECT_EQ(data["pages"][0]["table"]["rows"][1][1], "62");
}

}  // namespace
}  // namespace ovl::viz
