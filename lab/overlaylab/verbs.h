// One function per verb; main.cc dispatches to them by name.
#pragma once

#include <string>
#include <vector>

namespace ovl::cli {

using VerbArgs = std::vector<std::string>;

int verb_validate(const VerbArgs& args);
int verb_plan(const VerbArgs& args);
int verb_up(const VerbArgs& args);
int verb_down(const VerbArgs& args);
int verb_list(const VerbArgs& args);
int verb_exec(const VerbArgs& args);
int verb_ping(const VerbArgs& args);

}  // namespace ovl::cli
