// Every file in tests/unit/scenario/broken/ is refused (or warned about) with
// exactly the messages in its .err golden file.
#include <gtest/gtest.h>

#include "core/scenario/validate.h"
#include "tests/support/files.h"

namespace ovl::scenario {
namespace {

namespace fs = std::filesystem;

class Broken : public testing::TestWithParam<std::string> {};

TEST_P(Broken, MatchesGoldenMessages) {
  fs::path dir = test::source_dir() / "tests/unit/scenario/broken";
  auto name = GetParam();
  auto loaded = load_text(test::read_file(dir / (name + ".xml")), "broken/" + name + ".xml");
  auto text = loaded.diags.format();
  EXPECT_FALSE(text.empty()) << name << " was accepted without a message";
  test::expect_golden(dir / (name + ".err"), text);
}

std::vector<std::string> broken_files() {
  std::vector<std::string> names;
  for (auto& entry : fs::directory_iterator(test::source_dir() / "tests/unit/scenario/broken"))
    if (entry.path().extension() == ".xml") names.push_back(entry.path().stem().string());
  std::sort(names.begin(), names.end());
  return names;
}

INSTANTIATE_TEST_SUITE_P(Files, Broken, testing::ValuesIn(broken_files()),
                         [](const auto& info) {
                           std::string n = info.param;
                           for (auto& c : n)
                             if (!isalnum(static_cast<unsigned char>(c))) c = '_';
                           return n;
                         });

// mtu.xml is about the black hole validate warns of; it may warn of nothing else.
TEST(Shipped, EveryScenarioValidatesCleanly) {
  for (auto& entry : fs::directory_iterator(test::source_dir() / "scenarios")) {
    if (entry.path().extension() != ".xml") continue;
    auto loaded = load_text(test::read_file(entry.path()), entry.path().filename().string());
    if (entry.path().filename() != "mtu.xml") {
      EXPECT_EQ(loaded.diags.format(), "") << entry.path();
      continue;
    }
    EXPECT_TRUE(loaded.ok());
    for (const auto& d : loaded.diags.items()) EXPECT_NE(d.message.find("a black hole"), std::string::npos) << d.message;
  }
}

}  // namespace
}  // namespace ovl::scenario
