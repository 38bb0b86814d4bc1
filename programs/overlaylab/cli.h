// Shared plumbing for overlaylab's verbs: option parsing with --help, loading
// a scenario with compiler-style messages, and the exit codes.
#pragma once

#include <atomic>
#include <memory>
#include <boost/program_options.hpp>
#include <stdexcept>
#include <string>
#include <vector>

#include "core/scenario/validate.h"
#include "programs/overlaylab/progress_line.h"

namespace ovl::lab {
struct RunningLab;
}

namespace ovl::overlaylab {

namespace po = boost::program_options;

// Exit codes: 0 success, 1 the lab or a probe failed, 2 bad input or usage.
inline constexpr int kOk = 0, kFailed = 1, kBadInput = 2;

// A mistake in how the verb was called: printed with a pointer to --help.
struct UsageError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

// A scenario that does not validate: its diagnostics were printed already.
struct BadScenario : std::runtime_error {
  BadScenario() : std::runtime_error("invalid scenario") {}
};

struct Args {
  po::variables_map vm;
  bool help = false;
};

// Parses args against options; positional names bind in order (a name ending
// in '?' is optional, and is stored without the '?'). On --help,
// prints usage and options and sets help.
Args parse(const std::vector<std::string>& args, const std::string& usage,
           const po::options_description& options, const std::vector<std::string>& positional);

// Reads and validates a scenario file (or, when no file has that name, the
// shipped scenario of that name: shipped.h), printing warnings and errors to
// stderr. Throws BadScenario when it has errors.
scenario::Loaded load_scenario(const std::string& file);

// loaded rewritten for backend (--backend) and validated again; diagnostics
// the rewrite adds (host-gw across a router) are printed as load_scenario
// prints them. notes, when given, receive what the rewrite changed.
scenario::Loaded load_on_backend(const scenario::Loaded& loaded, scenario::Backend backend,
                                 std::vector<std::string>* notes = nullptr);

// The scenario a lab-building verb (up, run) builds: the file as it is or,
// with --backend, rewritten for that backend (the changes are printed).
scenario::Loaded scenario_for_lab(const Args& a, const std::string& file);

// --name: a lab name (scenario::lab_name_problem's rule); fallback when the
// option is absent.
std::string lab_name_option(const Args& a, const std::string& fallback);
// The LAB positional argument, checked by the same rule: a UsageError before
// anything is opened or deleted under that name.
std::string lab_argument(const Args& a);

// --kind, --port, --size, --df and --listen: a probe as the CLI describes
// it, with the scenario's defaults and limits (<probe kind= port= ...>).
void add_probe_options(po::options_description& options);
// The probe those options describe; a UsageError for one the scenario's
// rules refuse.
scenario::ProbeSpec probe_spec(const Args& a);

// A UsageError (with a suggestion) unless host is one of the lab's hosts or,
// where an address will do, an IPv4 address.
void require_host(const lab::RunningLab& lab, const std::string& host, bool address_ok = false);

// --quiet and --timings, for verbs that build or tear down labs.
po::options_description progress_options();
// The progress line those options ask for; verb names it ("up", "down").
std::unique_ptr<ProgressLine> progress_line(const Args& a, const std::string& verb);
// Prints its timings on stdout when --timings asked for them.
void print_timings(const Args& a, const ProgressLine& line);

// Set by SIGINT/SIGTERM/SIGHUP while a verb that builds things runs.
extern std::atomic<bool> g_interrupted;
void install_interrupt_handlers();

void require_root(const std::string& verb);

// Where lab state lives: $OVERLAYLAB_STATE_DIR, else /run/overlaylab.
std::string state_root();
// Where etcd's data lives: $OVERLAYLAB_DATA_DIR, else /var/lib/overlaylab.
std::string data_root();

}  // namespace ovl::overlaylab
