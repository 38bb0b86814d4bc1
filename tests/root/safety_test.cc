// Safety regressions (root): a lab name never reaches outside its lab, and a
// lab never deletes a namespace it did not make.
#include <boost/process.hpp>
#include <fstream>
#include <future>
#include <regex>

#include "tests/support/files.h"
#include "tests/support/lab_fixture.h"

namespace ovl::test {
namespace {

namespace fs = std::filesystem;

class Safety : public LabTest {};

// Defect: `down ../victim` deleted <root>/../victim, `down ""` the whole state
// root and `down .` every lab's directory.
TEST_F(Safety, ALabNameThatIsNotOneIsRefusedByEveryVerb) {
  auto root = private_state_root();
  fs::create_directories(root / "keep");
  auto victim = root.parent_path() / ("ovltest-victim-" + std::to_string(::getpid()));
  fs::create_directories(victim);
  auto victim_name = "../" + victim.filename().string();
  for (std::string bad : {victim_name, std::string(""), std::string("."), std::string(".."), std::string("-x")}) {
    auto down = run({"down", bad});
    EXPECT_EQ(down.status, 2) << "down '" << bad << "': " << down.err;
    if (bad != "-x") EXPECT_NE(down.err.find("cannot name a lab"), std::string::npos) << down.err;
    for (auto verb : {"status", "stop", "start", "restart"}) EXPECT_EQ(run({verb, bad, "node1"}).status, 2) << verb << " " << bad;
    EXPECT_EQ(run({"exec", bad, "node1", "--", "true"}).status, 2) << bad;
    EXPECT_EQ(run({"ping", bad, "a", "b"}).status, 2) << bad;
    EXPECT_EQ(run({"trace", bad, "a", "b"}).status, 2) << bad;
    EXPECT_EQ(run({"up", scenario("two-node"), "--name", bad}).status, 2) << bad;
  }
  EXPECT_TRUE(fs::exists(victim));
  EXPECT_TRUE(fs::exists(root / "keep"));
  fs::remove_all(victim);
}

// Defect: lab "a-x" with host "n1" and lab "a" with host "x-n1" both named
// ovl-a-x-n1; started at once, each rolled back the other's namespaces.
TEST_F(Safety, TwoLabsWhoseOldNamesCollidedComeUpSideBySide) {
  auto long_name = lab("lt-col-x"), short_name = lab("lt-col");
  auto text = read_file(scenario("two-node"));
  text = std::regex_replace(text, std::regex("name=\"two-node\""), "name=\"" + short_name + "\"");
  text = std::regex_replace(text, std::regex("node1"), "x-node1");
  auto renamed = fs::temp_directory_path() / ("ovltest-col-" + std::to_string(::getpid()) + ".xml");
  std::ofstream(renamed) << text;
  for (int round = 0; round < 3; ++round) {
    auto a = std::async(std::launch::async, [&] { return run({"up", scenario("two-node"), "--name", long_name}); });
    auto b = std::async(std::launch::async, [&] { return run({"up", renamed.string()}); });
    auto ra = a.get(), rb = b.get();
    ASSERT_EQ(ra.status, 0) << ra.err;
    ASSERT_EQ(rb.status, 0) << rb.err;
    EXPECT_EQ(run({"ping", long_name, "container-1", "container-2", "-c", "1"}).status, 0);
    EXPECT_EQ(run({"ping", short_name, "container-1", "container-2", "-c", "1"}).status, 0);
    EXPECT_EQ(run({"down", long_name}).status, 0);
    EXPECT_EQ(lab_namespaces(long_name), std::vector<std::string>{});
    EXPECT_EQ(lab_namespaces(short_name).size(), 5u) << "the other lab lost namespaces";
    EXPECT_EQ(run({"ping", short_name, "container-1", "container-2", "-c", "1"}).status, 0);
    EXPECT_EQ(run({"down", short_name}).status, 0);
  }
  fs::remove(renamed);
}

// A namespace the lab would use already exists (someone else's): up refuses,
// creates nothing, and the namespace is untouched.
TEST_F(Safety, ANamespaceSomeoneElseMadeIsRefusedAndLeftAlone) {
  auto name = lab("lt-foreign");
  auto foreign = "ovl-" + name + ".node2";
  ASSERT_EQ(run_program({"ip", "netns", "add", foreign}).status, 0);
  struct Remove {
    std::string ns;
    ~Remove() { run_program({"ip", "netns", "del", ns}); }
  } remove{foreign};
  auto up = run({"up", scenario("two-node"), "--name", name});
  EXPECT_EQ(up.status, 1);
  EXPECT_NE(up.err.find("namespace " + foreign + " already exists"), std::string::npos) << up.err;
  EXPECT_EQ(lab_namespaces(name), std::vector<std::string>{foreign});
  EXPECT_FALSE(fs::exists("/run/overlaylab/" + name));
}

}  // namespace
}  // namespace ovl::test
