// What up and down say while they work: the phase, how far into it, and when
// it ends, for a progress line on a terminal and for --timings. The lab
// code reports; programs/ decides what to show.
#pragma once

#include <cstddef>
#include <string>

namespace ovl::lab {

class Progress {
 public:
  virtual ~Progress() = default;
  // A phase begins; total is how many things it will do (0: unknown).
  virtual void begin(const std::string& phase, size_t total) = 0;
  // done of the phase's total are done.
  virtual void advance(size_t done) = 0;
  virtual void end() = 0;
};

// Says nothing.
class NoProgress : public Progress {
 public:
  void begin(const std::string&, size_t) override {}
  void advance(size_t) override {}
  void end() override {}
};

// begin() now, end() when it goes out of scope.
class Phase {
 public:
  Phase(Progress& p, const std::string& name, size_t total) : p_(p) { p_.begin(name, total); }
  ~Phase() { p_.end(); }
  Phase(const Phase&) = delete;
  Phase& operator=(const Phase&) = delete;
  void advance(size_t done) { p_.advance(done); }

 private:
  Progress& p_;
};

}  // namespace ovl::lab
