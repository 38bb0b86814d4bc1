// NetworkOps on the real kernel: named namespaces, libnl and libnftables.
#pragma once

#include <map>
#include <memory>

#include "core/scenario/network_ops.h"
#include "core/os/fd.h"
#include "core/os/nftables.h"
#include "core/os/rtnl.h"

namespace ovl::os {

class LinuxNetworkOps : public scenario::NetworkOps {
 public:
  bool netns_exists(const std::string& ns) override;
  void create_netns(const std::string& ns, const std::function<void(scenario::NetnsId)>& claim) override;
  void apply(const scenario::Op& op) override;
  std::vector<scenario::RemoteFdb> fdb(const std::string& ns, const std::string& dev) override;
  bool delete_netns(const std::string& ns, scenario::NetnsId id) override;

  // The namespace's fd and netlink socket, opened once and kept; ns "" is
  // the calling thread's own namespace.
  int netns_fd(const std::string& ns);
  Rtnl& rtnl(const std::string& ns);
  Nftables& nftables(const std::string& ns);  // made on first use

 private:
  struct Handle {
    Fd fd;
    std::unique_ptr<Rtnl> rtnl;
    std::unique_ptr<Nftables> nft;
  };
  Handle& handle(const std::string& ns);
  std::map<std::string, Handle> handles_;
};

}  // namespace ovl::os
