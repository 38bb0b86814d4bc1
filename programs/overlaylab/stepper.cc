#include "programs/overlaylab/stepper.h"

#include <unistd.h>

#include <algorithm>
#include <iostream>
#include <optional>

#include "core/os/terminal.h"
#include "core/trace/step_text.h"

namespace ovl::overlaylab {
namespace {

constexpr const char* kAlternateScreen = "\x1b[?1049h";  // the shell's screen comes back at the end
constexpr const char* kMainScreen = "\x1b[?1049l";
constexpr const char* kClear = "\x1b[H\x1b[2J";

void print_all(const trace::Trace& t, const std::vector<trace::HopWalk>& walked) {
  for (size_t i = 0; i < t.hops.size(); ++i)
    std::cout << (i ? "\n" : "") << trace::render_step(t, walked, i, {false, 100});
  std::cout.flush();
}

// The next hop's index after key, or nullopt to quit.
std::optional<size_t> move(os::Key key, size_t at, size_t count) {
  switch (key) {
    case os::Key::next: return std::min(at + 1, count - 1);
    case os::Key::back: return at ? at - 1 : 0;
    case os::Key::first: return 0;
    case os::Key::last: return count - 1;
    case os::Key::quit: return std::nullopt;
    case os::Key::other: return at;
  }
  return at;
}

void interact(const trace::Trace& t, const std::vector<trace::HopWalk>& walked) {
  os::RawTerminal terminal(STDIN_FILENO);
  std::cout << kAlternateScreen;
  struct Restore {
    ~Restore() { std::cout << kMainScreen << std::flush; }
  } restore;
  for (std::optional<size_t> at = 0; at; at = move(terminal.read_key(), *at, t.hops.size())) {
    trace::StepStyle style{true, os::terminal_columns(STDOUT_FILENO, 100)};
    std::cout << kClear << trace::render_step(t, walked, *at, style) << "\n" << trace::kStepKeys << std::flush;
  }
}

}  // namespace

void step_through(const trace::Trace& t) {
  if (t.hops.empty()) {
    std::cout << "no packet of the probe was captured: nothing to step through\n";
    return;
  }
  auto walked = trace::walk(t);
  if (os::is_terminal(STDIN_FILENO) && os::is_terminal(STDOUT_FILENO))
    interact(t, walked);
  else
    print_all(t, walked);
}

}  // namespace ovl::overlaylab
