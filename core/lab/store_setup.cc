#include "core/lab/store_setup.h"

#include <thread>

#include "core/lab/services.h"
#include "core/os/netns.h"
#include "core/daemon/etcd_store.h"
#include "core/daemon/local_store.h"
#include "core/scenario/names.h"

namespace ovl::lab {

LabStore open_lab_store(const scenario::Scenario& s, const std::string& lab, const LabDir& dir) {
  LabStore out;
  if (s.overlay.store == scenario::Store::local) {
    out.store = std::make_unique<daemon::LocalStore>(local_store_path(dir));
    return out;
  }
  out.netns = os::open_named_netns(scenario::netns_name(lab, s.overlay.etcd_node));
  out.store = std::make_unique<daemon::EtcdStore>(std::vector<std::string>{etcd_endpoint(s)},
                                                   overlay::kDefaultPrefix, out.netns.get());
  return out;
}

// A subnet pinned below Flannel's default SubnetMin (Kubernetes gives its
// master the network's first /24) is leasable only under a config that says
// so: SubnetMin moves down to it, and a real flanneld would honour it too.
overlay::NetworkConfig network_config(const scenario::Scenario& s) {
  const auto& o = s.overlay;
  auto config = overlay::make_network_config(o.network, o.subnet_len, scenario::to_string(o.backend), o.port, o.vni);
  for (const auto& node : s.nodes)
    if (node.subnet && node.subnet->network() < config.subnet_min) config.subnet_min = node.subnet->network();
  return config;
}

void prepare_store(overlay::LeaseStore& store, const scenario::Scenario& s, std::chrono::seconds timeout) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (true) {
    try {
      store.put_config(network_config(s));
      return;
    } catch (const overlay::StoreUnavailable& e) {
      if (std::chrono::steady_clock::now() > deadline)
        throw std::runtime_error(std::string("the lease store did not come up: ") + e.what());
      // etcd answers within tens of milliseconds of starting: look often.
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
  }
}

}  // namespace ovl::lab
