#include "programs/overlaylab/shipped.h"

#include <algorithm>
#include <stdexcept>

#include "core/os/process.h"

namespace ovl::overlaylab {
namespace fs = std::filesystem;
namespace {

// Set by programs/overlaylab/CMakeLists.txt: share/overlaylab relative to bin.
constexpr const char* kInstalledData = OVERLAYLAB_BIN_TO_DATA;

std::vector<fs::path> candidates() {
  auto bin = os::self_exe().parent_path();
  return {(bin / kInstalledData).lexically_normal(), bin / "share/overlaylab"};
}

}  // namespace

fs::path shipped_dir() {
  std::string looked;
  for (const auto& dir : candidates()) {
    if (fs::is_directory(dir / "scenarios")) return dir;
    looked += (looked.empty() ? "" : " or ") + dir.string();
  }
  throw std::runtime_error("overlaylab's shipped files are not in " + looked +
                           "; reinstall it (cmake --install, or the .deb)");
}

std::vector<std::string> shipped_scenarios() {
  std::vector<std::string> names;
  std::error_code ec;
  for (const auto& dir : candidates()) {
    for (const auto& entry : fs::directory_iterator(dir / "scenarios", ec))
      if (entry.path().extension() == ".xml") names.push_back(entry.path().stem().string());
    if (!names.empty()) break;
  }
  std::sort(names.begin(), names.end());
  return names;
}

std::optional<fs::path> shipped_scenario(const std::string& name) {
  if (name.empty() || name.find('/') != std::string::npos) return std::nullopt;
  auto stem = fs::path(name).extension() == ".xml" ? fs::path(name).stem().string() : name;
  auto names = shipped_scenarios();
  if (!std::binary_search(names.begin(), names.end(), stem)) return std::nullopt;
  return shipped_dir() / "scenarios" / (stem + ".xml");
}

}  // namespace ovl::overlaylab
