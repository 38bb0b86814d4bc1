// Applies a plan: journals each step, then makes it through NetworkOps.
// Stops between steps when asked to (Ctrl-C); the caller rolls back from the
// journal.
#pragma once

#include <atomic>
#include <filesystem>
#include <functional>
#include <stdexcept>

#include "core/lab/journal.h"
#include "core/scenario/network_ops.h"
#include "core/scenario/plan.h"

namespace ovl::lab {

class Interrupted : public std::runtime_error {
 public:
  Interrupted() : std::runtime_error("interrupted") {}
};

class Executor {
 public:
  // state_dir: where WriteFile paths are rooted. source: the scenario file,
  // for messages. cancel may be null.
  Executor(scenario::NetworkOps& net, Journal& journal, std::filesystem::path state_dir, std::string source,
           const std::atomic<bool>* cancel)
      : net_(net), journal_(journal), state_dir_(std::move(state_dir)), source_(std::move(source)),
        cancel_(cancel) {}

  // Throws std::runtime_error naming the step, the kernel's reason and the
  // scenario line; or Interrupted.
  // on_step(k) after each of the plan's steps (k from 1), for progress.
  void apply(const scenario::Plan& plan, const std::function<void(size_t)>& on_step = {});

 private:
  void apply_step(const scenario::Step& step);
  void write_file(const scenario::WriteFile& file);

  scenario::NetworkOps& net_;
  Journal& journal_;
  std::filesystem::path state_dir_;
  std::string source_;
  const std::atomic<bool>* cancel_;
};

}  // namespace ovl::lab
