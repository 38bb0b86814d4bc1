// What `list --json` and `status --json` print: one JSON object each, with
// the keys overlaylab(1) documents under JSON OUTPUT. Stable: keys are added,
// never renamed or removed. A node's daemon status is written by the
// daemon's own codec (core/overlay/status.h), not here.
#pragma once

#include <nlohmann/json.hpp>
#include <vector>

#include "core/lab/lab.h"
#include "core/lab/services.h"

namespace ovl::overlaylab {

nlohmann::ordered_json list_json(const std::vector<lab::LabSummary>& labs);

nlohmann::ordered_json status_json(const lab::RunningLab& lab, const std::vector<lab::Service>& services,
                                   bool supervisor_running);

}  // namespace ovl::overlaylab
