#include "lab/overlaylab/cli.h"

#include "core/lab/lab.h"
#include "core/util/files.h"

#include <unistd.h>

#include <csignal>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iostream>
#include <sstream>

namespace ovl::cli {

std::atomic<bool> g_interrupted{false};

Args parse(const std::vector<std::string>& args, const std::string& usage,
           const po::options_description& options, const std::vector<std::string>& positional) {
  po::options_description help;
  help.add_options()("help,h", "show this help");
  po::options_description all;
  all.add(options).add(help);
  po::options_description hidden;
  po::positional_options_description pos;
  for (auto name : positional) {
    if (name.back() == '?') name.pop_back();
    hidden.add_options()(name.c_str(), po::value<std::string>());
    pos.add(name.c_str(), 1);
  }
  po::options_description everything;
  everything.add(all).add(hidden);
  Args out;
  try {
    po::store(po::command_line_parser(args).options(everything).positional(pos).run(), out.vm);
    po::notify(out.vm);
  } catch (const po::error& e) {
    throw UsageError(e.what());
  }
  if (out.vm.count("help")) {
    std::cout << "usage: " << usage << "\n";
    if (!options.options().empty()) std::cout << "\n" << options;
    std::cout << "\n" << help;
    out.help = true;
    return out;
  }
  for (const auto& name : positional)
    if (name.back() != '?' && !out.vm.count(name))
      throw UsageError("missing " + name + " (usage: " + usage + ")");
  return out;
}

scenario::Loaded load_scenario(const std::string& path) {
  auto text = util::read_file(path);
  if (!text) throw UsageError("cannot read scenario " + path + ": " + std::strerror(errno));
  auto loaded = scenario::load_text(*text, path);
  std::cerr << loaded.diags.format();
  if (!loaded.ok()) throw BadScenario();
  return loaded;
}

namespace {
void on_interrupt(int) { g_interrupted = true; }
}  // namespace

void install_interrupt_handlers() {
  struct sigaction sa {};
  sa.sa_handler = on_interrupt;
  sigemptyset(&sa.sa_mask);
  for (int sig : {SIGINT, SIGTERM, SIGHUP}) sigaction(sig, &sa, nullptr);
}

void require_root(const std::string& verb) {
  if (::geteuid() != 0)
    throw std::runtime_error("overlaylab " + verb +
                             " creates or enters network namespaces and needs root: run it with sudo");
}

std::string state_root() {
  const char* env = std::getenv("OVERLAYLAB_STATE_DIR");
  return env && *env ? env : lab::kDefaultStateRoot;
}

}  // namespace ovl::cli
