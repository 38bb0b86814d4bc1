#include "core/lab/executor.h"

#include <fstream>

namespace ovl::lab {

void Executor::apply(const scenario::Plan& plan) {
  for (const auto& step : plan.steps) {
    if (cancel_ && cancel_->load()) throw Interrupted();
    apply_step(step);
  }
  if (cancel_ && cancel_->load()) throw Interrupted();
}

void Executor::apply_step(const scenario::Step& step) {
  if (auto* ns = std::get_if<scenario::CreateNetns>(&step.op))
    journal_.record("netns", ns->ns);
  else
    journal_.record("step", scenario::to_command(step.op));
  try {
    if (auto* file = std::get_if<scenario::WriteFile>(&step.op))
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
