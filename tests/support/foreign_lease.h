// Another writer's value in a local store: what an older or foreign overlayd
// would leave, written as the store writes (the lease file and a log line),
// so that readers that follow the log meet it as they would in life.
#pragma once

#include <filesystem>
#include <fstream>
#include <string>

#include "tests/support/files.h"

namespace ovl::test {

// Replaces the value of the lease file subnets/<key> (keeping its expiry)
// with value, a JSON text, and logs it as the next revision.
inline void write_foreign_value(const std::filesystem::path& store, const std::string& key, const std::string& value) {
  auto file = store / "subnets" / key;
  auto text = read_file(file);
  auto expiry_line = text.substr(text.find('\n') + 1);  // expires_ms=...
  std::ofstream(file) << value << "\n" << expiry_line;
  auto expires_ms = expiry_line.substr(expiry_line.find('=') + 1);
  expires_ms = expires_ms.substr(0, expires_ms.find('\n'));
  auto log = read_file(store / "log");
  size_t lines = 0;
  for (char c : log) lines += c == '\n';
  std::ofstream(store / "log", std::ios::app) << R"({"revision":)" << lines + 1 << R"(,"type":"added","subnet":")"
                                               << key << R"(","value":)" << value << R"(,"expires_ms":)" << expires_ms
                                               << "}\n";
}

}  // namespace ovl::test
