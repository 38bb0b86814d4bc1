// A private tmux server (its own socket name) for tests of what a person
// sees in a terminal: one session of fixed size running one command, its
// screen read with capture-pane. Killed with the object.
#pragma once

#include <chrono>
#include <string>
#include <thread>
#include <vector>

#include "tests/support/lab_fixture.h"

namespace ovl::test {

class Tmux {
 public:
  explicit Tmux(const std::string& socket, std::string session = "walk")
      : socket_(socket), session_(std::move(session)) {}
  ~Tmux() { tmux({"kill-server"}); }
  RunResult tmux(std::vector<std::string> args) {
    args.insert(args.begin(), {"tmux", "-L", socket_});
    return run_program(args);
  }
  // Starts command in a detached session of width x height.
  RunResult start(const std::string& command, int width = 130, int height = 60) {
    return tmux({"new-session", "-d", "-s", session_, "-x", std::to_string(width), "-y", std::to_string(height),
                 command});
  }
  std::string screen() { return tmux({"capture-pane", "-p", "-t", session_}).out; }
  // Waits up to 20 s for text on the screen.
  bool shows(const std::string& text) {
    return shows_if([&](const std::string& screen) { return screen.find(text) != std::string::npos; });
  }
  template <class Pred>
  bool shows_if(Pred pred, std::chrono::milliseconds limit = std::chrono::seconds(20)) {
    for (auto end = std::chrono::steady_clock::now() + limit; std::chrono::steady_clock::now() < end;) {
      if (pred(screen())) return true;
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    return false;
  }

 private:
  std::string socket_, session_;
};

}  // namespace ovl::test
