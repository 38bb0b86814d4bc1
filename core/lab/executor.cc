#include "core/lab/executor.h"

#include <fstream>

namespace ovl::lab {

void Executor::apply(const scenario::Plan& plan, const std::function<void(size_t)>& on_step) {
  for (size_t i = 0; i < plan.steps.size(); ++i) {
    if (cancel_ && cancel_->load()) throw Interrupted();
    apply_step(plan.steps[i]);
    if (on_step) on_step(i + 1);
  }
  if (cancel_ && cancel_->load()) throw Interrupted();
}

// A namespace is journaled with its identity once it exists and before it
// has its name: teardown deletes a name only while it still names that
// namespace, so a name someone else holds is never ours to remove.
void Executor::apply_step(const scenario::Step& step) {
  auto* ns = std::get_if<scenario::CreateNetns>(&step.op);
  if (!ns) journal_.record("step", scenario::to_command(step.op));
  try {
    if (ns)
      net_.create_netns(ns->ns, [&](scenario::NetnsId id) { journal_.record_netns(ns->ns, id); });
    else if (auto* file = std::get_if<scenario::WriteFile>(&step.op))
      write_file(*file);
    else
      net_.apply(step.op);
  } catch (const std::exception& e) {
    throw std::runtime_error(step.host + ": `" + scenario::to_command(step.op) + "` failed: " +
                             e.what() + " (" + source_ + ":" + std::to_string(step.pos.line) + ":" +
                             std::to_string(step.pos.col) + ")");
  }
}

void Executor::write_file(const scenario::WriteFile& file) {
  auto path = state_dir_ / file.path;
  std::filesystem::create_directories(path.parent_path());
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << file.content;
  if (!out.flush()) throw std::runtime_error("cannot write " + path.string());
}

}  // namespace ovl::lab
