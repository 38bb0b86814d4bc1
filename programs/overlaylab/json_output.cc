#include "programs/overlaylab/json_output.h"

namespace ovl::overlaylab {
namespace {

using Json = nlohmann::ordered_json;

// The supervisor's line about a service, or null when the lab has none of
// that name.
Json service_state(const std::vector<lab::Service>& services, const std::string& name) {
  for (const auto& s : services)
    if (s.name == name) return lab::read_state(s);
  return nullptr;
}

Json store_json(const lab::RunningLab& lab, const std::vector<lab::Service>& services) {
  const auto& s = lab.scenario;
  if (s.overlay.store != scenario::Store::etcd)
    return {{"kind", "local"}, {"path", lab::local_store_path(lab.dir).string()}};
  return {{"kind", "etcd"},
          {"node", s.overlay.etcd_node},
          {"endpoint", lab::etcd_endpoint(s)},
          {"state", service_state(services, "etcd")}};
}

// The daemon's status file as the daemon's codec writes it: the keys are
// defined once, in core/overlay/status.cc.
Json daemon_json(const lab::RunningLab& lab, const std::string& node) {
  auto status = lab::read_status(lab.dir, node);
  if (!status) return nullptr;
  return Json::parse(overlay::to_json(*status));
}

}  // namespace

Json list_json(const std::vector<lab::LabSummary>& labs) {
  Json out = Json::array();
  for (const auto& l : labs) out.push_back({{"name", l.name}, {"complete", l.complete}, {"namespaces", l.namespaces}});
  return {{"labs", out}};
}

Json status_json(const lab::RunningLab& lab, const std::vector<lab::Service>& services, bool supervisor_running) {
  const auto& o = lab.scenario.overlay;
  Json nodes = Json::array();
  for (const auto& node : lab.scenario.nodes)
    nodes.push_back({{"name", node.name},
                     {"overlayd", service_state(services, lab::overlayd_service(node.name))},
                     {"status", daemon_json(lab, node.name)}});
  return {{"lab", lab.name},
          {"backend", scenario::to_string(o.backend)},
          {"network", o.network.str()},
          {"supervisor", {{"running", supervisor_running}}},
          {"store", store_json(lab, services)},
          {"nodes", nodes}};
}

}  // namespace ovl::overlaylab
