#include "programs/overlaylab/progress_line.h"

#include <unistd.h>

#include <cstdio>
#include <ostream>

namespace ovl::overlaylab {
namespace {

using namespace std::chrono_literals;
constexpr auto kQuietFor = 500ms;  // a lab that is up sooner shows nothing
constexpr auto kRedrawEvery = 100ms;

std::string seconds(std::chrono::steady_clock::duration d) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.1f s", std::chrono::duration<double>(d).count());
  return buf;
}

std::string bar(size_t done, size_t total, size_t width) {
  size_t full = total ? done * width / total : 0;
  return "[" + std::string(full, '#') + std::string(width - full, '.') + "]";
}

}  // namespace

bool stderr_is_terminal() { return ::isatty(STDERR_FILENO); }

ProgressLine::ProgressLine(std::string verb, std::ostream& err, bool terminal, bool quiet)
    : verb_(std::move(verb)), err_(err), terminal_(terminal), quiet_(quiet) {}

ProgressLine::~ProgressLine() { clear(); }

bool ProgressLine::showing() const { return !quiet_ && Clock::now() - start_ >= kQuietFor; }

void ProgressLine::begin(const std::string& phase, size_t total) {
  phase_ = phase;
  total_ = total;
  done_ = 0;
  phase_start_ = Clock::now();
  if (terminal_ && showing()) draw();
}

void ProgressLine::advance(size_t done) {
  done_ = done;
  if (terminal_ && showing() && Clock::now() - drawn_ >= kRedrawEvery) draw();
}

void ProgressLine::end() {
  auto took = Clock::now() - phase_start_;
  done_phases_.push_back({phase_, total_, took});
  if (!showing()) return;
  if (terminal_) {
    done_ = total_;
    draw();
    return;
  }
  err_ << verb_ << ": " << phase_;
  if (total_) err_ << " " << total_ << "/" << total_;
  err_ << " done in " << seconds(took) << " (" << seconds(Clock::now() - start_) << " in all)\n";
}

void ProgressLine::draw() {
  std::string line = verb_ + ": " + phase_;
  if (total_) line += " " + std::to_string(done_) + "/" + std::to_string(total_) + " " + bar(done_, total_, 20);
  line += " " + seconds(Clock::now() - start_);
  err_ << "\r" << line << "\x1b[K" << std::flush;  // erase what a longer line left
  line_on_screen_ = true;
  drawn_ = Clock::now();
}

void ProgressLine::clear() {
  if (!line_on_screen_) return;
  err_ << "\r\x1b[K" << std::flush;
  line_on_screen_ = false;
}

std::string ProgressLine::timings() const {
  std::string out;
  Clock::duration all{};
  for (const auto& d : done_phases_) {
    char buf[128];
    std::snprintf(buf, sizeof buf, "  %-11s %6zu %9.0f ms\n", d.phase.c_str(), d.total,
                  std::chrono::duration<double, std::milli>(d.took).count());
    out += buf;
    all += d.took;
  }
  char buf[64];
  std::snprintf(buf, sizeof buf, "  %-11s %6s %9.0f ms\n", "total", "", std::chrono::duration<double, std::milli>(all).count());
  return verb_ + " timings (phase, items, time):\n" + out + buf;
}

}  // namespace ovl::overlaylab
