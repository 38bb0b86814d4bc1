// How up, down and run show their phases. On a terminal: one line, redrawn
// in place (phase, n/total, elapsed), once the work has taken half a second;
// otherwise a plain line per phase that ends after that. --quiet shows
// nothing; --timings prints every phase's time at the end.
#pragma once

#include <chrono>
#include <iosfwd>
#include <string>
#include <vector>

#include "core/lab/progress.h"

namespace ovl::overlaylab {

class ProgressLine : public lab::Progress {
 public:
  // verb: "up" or "down", in front of each line. Progress goes to err.
  ProgressLine(std::string verb, std::ostream& err, bool terminal, bool quiet);
  ~ProgressLine() override;

  void begin(const std::string& phase, size_t total) override;
  void advance(size_t done) override;
  void end() override;

  // "  underlay     12 ms" per phase, and the total.
  std::string timings() const;

 private:
  using Clock = std::chrono::steady_clock;
  struct Done {
    std::string phase;
    size_t total;
    Clock::duration took;
  };
  bool showing() const;
  void draw();
  void clear();

  std::string verb_;
  std::ostream& err_;
  bool terminal_, quiet_;
  Clock::time_point start_ = Clock::now(), phase_start_, drawn_;
  std::string phase_;
  size_t total_ = 0, done_ = 0;
  bool line_on_screen_ = false;
  std::vector<Done> done_phases_;
};

// Whether stderr is a terminal.
bool stderr_is_terminal();

}  // namespace ovl::overlaylab
