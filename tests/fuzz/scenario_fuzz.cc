// Fuzz target: any bytes as a scenario file, through the parser, the
// validator and, when it validates, the planner. Nothing may crash, and a
// scenario that validates must plan.
#include <cstddef>
#include <cstdint>
#include <stdexcept>
#include <string>

#include "core/scenario/plan.h"
#include "core/scenario/validate.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string text(reinterpret_cast<const char*>(data), size);
  auto loaded = ovl::scenario::load_text(text, "fuzz.xml");
  (void)loaded.diags.format();
  if (!loaded.ok()) return 0;
  const auto& s = loaded.scenario;
  auto leases = ovl::scenario::predict_leases(s);
  try {
    (void)ovl::scenario::plan_document(s, s.name, leases);
  } catch (const std::runtime_error&) {
    // plan_node's one refusal: a lease too small for the node's containers
  }
  return 0;
}
