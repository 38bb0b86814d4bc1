// The lab's side of the lease store: a client that reaches the lab's etcd
// from the host (its sockets are made inside the etcd node's namespace) or
// opens the local store's directory, and the network config the scenario's
// <overlay> describes, written where the daemons will read it.
#pragma once

#include <chrono>
#include <memory>

#include "core/lab/lab.h"
#include "core/os/fd.h"
#include "core/overlay/lease_store.h"
#include "core/scenario/model.h"

namespace ovl::lab {

// A store client and what it borrows: etcd's namespace, held open as long as
// the client lives.
struct LabStore {
  os::Fd netns;
  std::unique_ptr<overlay::LeaseStore> store;
  overlay::LeaseStore* operator->() const { return store.get(); }
};

LabStore open_lab_store(const scenario::Scenario& s, const std::string& lab, const LabDir& dir);

// The <prefix>/config the scenario's <overlay> describes, with SubnetMin
// low enough for every pinned subnet.
overlay::NetworkConfig network_config(const scenario::Scenario& s);

// Waits until the store answers, then writes the config. Throws when the
// store does not answer within timeout.
void prepare_store(overlay::LeaseStore& store, const scenario::Scenario& s, std::chrono::seconds timeout);

}  // namespace ovl::lab
