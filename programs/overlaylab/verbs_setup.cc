// overlaylab wireshark-setup: copies the shipped Wireshark plugin
// (dist/wireshark/overlaylab.lua) into Wireshark's personal Lua plugin
// folder, where Wireshark and tshark load it at start.
#include <unistd.h>

#include <cstdlib>
#include <cstring>
#include <iostream>

#include "core/util/files.h"
#include "programs/overlaylab/cli.h"
#include "programs/overlaylab/shipped.h"
#include "programs/overlaylab/verbs.h"

namespace ovl::overlaylab {
namespace fs = std::filesystem;
namespace {

constexpr const char* kPlugin = "overlaylab.lua";

// Wireshark's personal Lua plugin folder on Linux (`tshark -G folders`
// calls it "Personal Lua Plugins"), the same for every Wireshark since 2.6.
fs::path personal_plugin_dir() {
  const char* home = std::getenv("HOME");
  if (!home || !*home) throw UsageError("HOME is not set, so there is no personal plugin folder: give --dir");
  return fs::path(home) / ".local/lib/wireshark/plugins";
}

}  // namespace

int verb_wireshark_setup(const VerbArgs& args) {
  po::options_description opts("options");
  opts.add_options()("dir", po::value<std::string>(),
                     "the folder to copy the plugin into (default: Wireshark's personal Lua plugin folder, "
                     "~/.local/lib/wireshark/plugins)");
  auto a = parse(args, "overlaylab wireshark-setup [--dir DIR]", opts, {});
  if (a.help) return kOk;
  auto plugin = shipped_dir() / "wireshark" / kPlugin;
  auto text = util::read_file(plugin);
  if (!text) throw std::runtime_error("cannot read " + plugin.string() + ": " + std::strerror(errno));
  auto dir = a.vm.count("dir") ? fs::path(a.vm["dir"].as<std::string>()) : personal_plugin_dir();
  util::write_file_atomically(dir / kPlugin, *text);
  std::cout << "installed " << (dir / kPlugin).string()
            << "\nWireshark and tshark now decode UDP 8285 as Flannel's udp encapsulation and UDP 8472 as "
               "VXLAN; `tshark -G plugins | grep overlaylab` lists the plugin\n";
  const char* sudo_user = std::getenv("SUDO_USER");
  if (::geteuid() == 0 && sudo_user && *sudo_user && !a.vm.count("dir"))
    std::cerr << "overlaylab wireshark-setup: this ran as root, so the plugin is root's; run it without sudo "
                 "to install it for "
              << sudo_user << "\n";
  return kOk;
}

}  // namespace ovl::overlaylab
