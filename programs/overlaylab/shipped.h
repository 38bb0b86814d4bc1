// The files overlaylab ships beside its binaries: the scenarios, their XML
// Schema and the Wireshark plugin. They are found relative to the running
// binary, never at a fixed path, so an installed tree works under any prefix
// (or DESTDIR) and a build tree works without being installed:
//
//   installed    <prefix>/bin/overlaylab  ->  <prefix>/share/overlaylab
//                (the relative path CMake computed from the install dirs)
//   build tree   build/overlaylab         ->  build/share/overlaylab
//                (links into the source tree, made by dist/CMakeLists.txt)
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace ovl::overlaylab {

// share/overlaylab of this binary; throws std::runtime_error naming the
// places it looked when neither exists.
std::filesystem::path shipped_dir();

// The shipped scenarios' names (two-node, ...), sorted; empty when none.
std::vector<std::string> shipped_scenarios();

// The shipped scenario name ("two-node" or "two-node.xml") names, or nullopt.
std::optional<std::filesystem::path> shipped_scenario(const std::string& name);

}  // namespace ovl::overlaylab
