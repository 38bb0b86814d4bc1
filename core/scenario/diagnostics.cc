#include "core/scenario/diagnostics.h"

#include <algorithm>

namespace ovl::scenario {
namespace {

size_t edit_distance(std::string_view a, std::string_view b) {
  std::vector<size_t> row(b.size() + 1);
  for (size_t j = 0; j <= b.size(); ++j) row[j] = j;
  for (size_t i = 1; i <= a.size(); ++i) {
    size_t diagonal = row[0];
    row[0] = i;
    for (size_t j = 1; j <= b.size(); ++j) {
      size_t above = row[j];
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diagonal + (a[i - 1] != b[j - 1])});
      diagonal = above;
    }
  }
  return row[b.size()];
}

}  // namespace

void Diagnostics::error(Pos pos, std::string message) {
  items_.push_back({Severity::error, pos, std::move(message)});
}

void Diagnostics::warning(Pos pos, std::string message) {
  items_.push_back({Severity::warning, pos, std::move(message)});
}

bool Diagnostics::has_errors() const {
  return std::any_of(items_.begin(), items_.end(),
                     [](const Diagnostic& d) { return d.severity == Severity::error; });
}

std::string Diagnostics::format() const {
  auto sorted = items_;
  std::stable_sort(sorted.begin(), sorted.end(),
                   [](const Diagnostic& a, const Diagnostic& b) { return a.pos < b.pos; });
  std::string out;
  for (const auto& d : sorted) {
    out += file_ + ":" + std::to_string(d.pos.line) + ":" + std::to_string(d.pos.col) + ": ";
    out += d.severity == Severity::error ? "error: " : "warning: ";
    out += d.message + "\n";
  }
  return out;
}

std::string quoted(std::string_view text, size_t max) {
  if (text.size() <= max) return "'" + std::string(text) + "'";
  return "'" + std::string(text.substr(0, max)) + "...' (" + std::to_string(text.size()) + " bytes)";
}

std::string did_you_mean(std::string_view name, const std::vector<std::string>& candidates) {
  if (name.size() > 64) return "";  // nothing that long is a typo of a short name
  const std::string* best = nullptr;
  size_t best_distance = std::max<size_t>(2, name.size() / 3) + 1;
  for (const auto& c : candidates) {
    size_t d = edit_distance(name, c);
    if (d < best_distance) {
      best = &c;
      best_distance = d;
    }
  }
  return best ? " (did you mean '" + *best + "'?)" : "";
}

}  // namespace ovl::scenario
