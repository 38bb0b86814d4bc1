// Compiler-style messages about a scenario file: collected, never thrown, and
// printed as "file:line:col: error: message".
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "core/scenario/model.h"

namespace ovl::scenario {

enum class Severity { error, warning };

struct Diagnostic {
  Severity severity;
  Pos pos;
  std::string message;
};

class Diagnostics {
 public:
  explicit Diagnostics(std::string file) : file_(std::move(file)) {}

  void error(Pos pos, std::string message);
  void warning(Pos pos, std::string message);

  bool has_errors() const;
  const std::vector<Diagnostic>& items() const { return items_; }
  // One line per diagnostic, ordered by position, each ending in '\n'.
  std::string format() const;

 private:
  std::string file_;
  std::vector<Diagnostic> items_;
};

// 'text', or its first max bytes and "...' (N bytes)" when longer: user input
// echoed in a message stays short however long the input is.
std::string quoted(std::string_view text, size_t max = 40);

// " (did you mean 'vpc'?)" when a candidate is close to the misspelt name,
// else "".
std::string did_you_mean(std::string_view name, const std::vector<std::string>& candidates);

}  // namespace ovl::scenario
