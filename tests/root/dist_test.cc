// overlaylab as scripts, shells and Wireshark meet it, on a running lab
// (root): status --json and list --json against the text they stand for,
// the bash completion of a lab's hosts, a real trace's pcapng in tshark with
// the Wireshark plugin; and an installed tree (cmake --install into a
// DESTDIR) running the shipped scenario, by name, with its own overlayd.
#include <algorithm>
#include <fstream>
#include <sstream>

#include "tests/support/eventually.h"
#include "tests/support/files.h"
#include "tests/support/lab_fixture.h"

namespace ovl::test {
namespace {
namespace fs = std::filesystem;

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> out;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) out.push_back(line);
  return out;
}

// What TAB offers after words (the last is the word being completed): the
// completion function driven the way bash drives it, sorted.
std::vector<std::string> complete(const std::vector<std::string>& words) {
  std::string script = "source \"$1\"; shift; COMP_WORDS=(\"$@\"); COMP_CWORD=$(($# - 1)); _overlaylab; "
                       "printf '%s\\n' \"${COMPREPLY[@]}\"";
  std::vector<std::string> argv{"bash", "-c", script, "_", (source_dir() / "dist/bash-completion/overlaylab").string(),
                                overlaylab_binary().string()};
  argv.insert(argv.end(), words.begin(), words.end());
  auto r = run_program(argv);
  EXPECT_EQ(r.status, 0) << r.err;
  auto out = lines_of(r.out);
  std::sort(out.begin(), out.end());
  return out;
}

// Python's json reads the file and prints, for each node, the lines the text
// status shows for it.
constexpr const char* kStatusAsText = R"(
import json, sys
d = json.load(open(sys.argv[1]))
print("lab %s: %s backend over %s" % (d["lab"], d["backend"], d["network"]))
for n in d["nodes"]:
    s = n["status"]
    print("%s: overlayd %s" % (n["name"], n["overlayd"]))
    print("  lease %s (expires %s), %s backend" % (s["lease"]["subnet"], s["lease"]["expires"], s["backend"]))
    for p in s["peers"]:
        print("  peer %s -> %s:%d" % (p["subnet"], p["public_ip"], p["port"]))
    c = s["counters"]
    print("  flannel0 -> udp: %d read, %d sent; udp -> flannel0: %d received, %d written" % (
        c["tun_rx_packets"], c["udp_tx_packets"], c["udp_rx_packets"], c["tun_tx_packets"]))
    print("  dropped: no route %d, ttl %d" % (c["drops"]["no_route"], c["drops"]["ttl"]))
)";

class DistLab : public LabTest {
 protected:
  fs::path temp(const std::string& what) {
    return fs::temp_directory_path() / ("ovltest-shipped-" + what + "-" + std::to_string(::getpid()));
  }
};

TEST_F(DistLab, StatusJsonCarriesWhatTheTextShows) {
  auto name = lab("two-node");
  ASSERT_EQ(run({"up", "two-node"}).status, 0);  // the shipped scenario, by name
  // A ping first, so that the counters are not all zero; the daemons write
  // them within a second.
  ASSERT_EQ(run({"ping", name, "container-1", "container-2", "-c", "2"}).status, 0);
  for (auto node : {"node1", "node2"})
    ASSERT_TRUE(eventually([&] { return status_of(name, node).value("/counters/tun_rx_packets"_json_pointer, 0) == 2; }))
        << node;
  auto text = run({"status", name});
  auto json = run({"status", name, "--json"});
  ASSERT_EQ(text.status, 0) << text.err;
  ASSERT_EQ(json.status, 0) << json.err;
  auto file = temp("status.json");
  std::ofstream(file) << json.out;
  auto from_json = run_program({"python3", "-c", kStatusAsText, file.string()});
  fs::remove(file);
  ASSERT_EQ(from_json.status, 0) << from_json.err << json.out;
  auto lines = lines_of(from_json.out);
  ASSERT_EQ(lines.size(), 11u) << from_json.out;
  for (const auto& line : lines) EXPECT_NE(text.out.find(line), std::string::npos) << line << "\nnot in\n" << text.out;
  EXPECT_NE(from_json.out.find("  peer 100.96.2.0/24 -> 172.20.54.98:8285"), std::string::npos) << from_json.out;
  EXPECT_EQ(from_json.out.find("flannel0 -> udp: 0 read"), std::string::npos) << from_json.out;

  auto list = run({"list", "--json"});
  ASSERT_EQ(list.status, 0) << list.err;
  auto labs = nlohmann::json::parse(list.out);
  auto entry = std::find_if(labs["labs"].begin(), labs["labs"].end(), [](auto& l) { return l["name"] == "two-node"; });
  ASSERT_NE(entry, labs["labs"].end()) << list.out;
  EXPECT_EQ(*entry, (nlohmann::json{{"name", "two-node"}, {"complete", true}, {"namespaces", 5}}));
}

TEST_F(DistLab, CompletionOffersTheHostsOfARunningLab) {
  auto name = lab("two-node");
  ASSERT_EQ(run({"up", scenario("two-node")}).status, 0);
  auto labs = complete({"exec", ""});
  EXPECT_NE(std::find(labs.begin(), labs.end(), "two-node"), labs.end());
  EXPECT_EQ(complete({"exec", "two-node", ""}),
            (std::vector<std::string>{"container-1", "container-2", "node1", "node2"}));
  EXPECT_EQ(complete({"trace", "two-node", "container-1", "c"}),
            (std::vector<std::string>{"container-1", "container-2"}));
  EXPECT_EQ(complete({"stop", "two-node", ""}), (std::vector<std::string>{"node1", "node2"}));
}

TEST_F(DistLab, TsharkWithThePluginDecodesTheUdpHopsAndPrintsEachDecision) {
  auto name = lab("two-node");
  ASSERT_EQ(run({"up", scenario("two-node")}).status, 0);
  auto out = temp("out");
  auto traced = run({"trace", name, "container-1", "container-2", "--out", out.string(), "--name", "p1"});
  ASSERT_EQ(traced.status, 0) << traced.out << traced.err;
  auto pcapng = (out / "trace-p1.pcapng").string();
  auto plugin = (source_dir() / "dist/wireshark/overlaylab.lua").string();
  auto r = run_program({"tshark", "-X", "lua_script:" + plugin, "-r", pcapng, "-T", "fields", "-e",
                        "frame.interface_name", "-e", "ip.src", "-e", "frame.comment"});
  auto trace = nlohmann::json::parse(read_file(out / "trace-p1.json"));
  fs::remove_all(out);
  ASSERT_EQ(r.status, 0) << r.err;
  auto lines = lines_of(r.out);
  ASSERT_EQ(lines.size(), trace["hops"].size()) << r.out;
  int underlay = 0;
  for (size_t i = 0; i < lines.size(); ++i) {
    const auto& h = trace["hops"][i];
    std::string comment = "hop " + std::to_string(h["seq"].get<int>()) + " (" + h["leg"].get<std::string>() +
                          "): " + h["decision"]["sentence"].get<std::string>();
    EXPECT_EQ(lines[i].substr(lines[i].rfind('\t') + 1), comment);
    if (h["if"] == "eth0" && (h["host"] == "node1" || h["host"] == "node2")) {
      ++underlay;  // outer and inner source: the inner IPv4 decoded without -d
      EXPECT_TRUE(lines[i].find("172.20.33.102,100.96.1.2") != std::string::npos ||
                  lines[i].find("172.20.54.98,100.96.2.3") != std::string::npos)
          << lines[i];
    }
  }
  EXPECT_EQ(underlay, 4);
}

TEST_F(DistLab, AnInstalledTreeRunsAShippedScenarioWithItsOwnOverlayd) {
  auto root = temp("destdir");
  auto install = run_program({"env", "DESTDIR=" + root.string(), "cmake", "--install", binary_dir().string(),
                              "--prefix", "/usr"});
  ASSERT_EQ(install.status, 0) << install.err;
  auto installed = (root / "usr/bin/overlaylab").string();
  auto name = lab("shp-installed");
  auto up = run_program({installed, "up", "two-node", "--name", name});
  ASSERT_EQ(up.status, 0) << up.out << up.err;
  // The daemons run the overlayd installed beside this overlaylab.
  auto pid = status_of(name, "node1").value("pid", 0);
  ASSERT_GT(pid, 0);
  EXPECT_EQ(fs::read_symlink("/proc/" + std::to_string(pid) + "/exe"), root / "usr/bin/overlayd");
  auto ping = run_program({installed, "ping", name, "container-1", "container-2", "-c", "1"});
  EXPECT_EQ(ping.status, 0) << ping.out << ping.err;
  EXPECT_EQ(run_program({installed, "down", name}).status, 0);
  fs::remove_all(root);
}

}  // namespace
}  // namespace ovl::test
