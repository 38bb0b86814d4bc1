// nftables through libnftables, bound to one network namespace: the lab's
// ip-masq rules are made here, never by running an nft or iptables process.
// libnftables opens its netlink socket when its context is made, so the
// context is made inside the namespace and stays bound to it.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "core/trace/snapshot.h"

struct nft_ctx;

namespace ovl::os {

class Nftables {
 public:
  explicit Nftables(int netns_fd);
  ~Nftables();
  Nftables(const Nftables&) = delete;
  Nftables& operator=(const Nftables&) = delete;

  // One command in nft's syntax ("add rule ip t c ..."); throws
  // std::runtime_error with libnftables' own message when it fails.
  void run(const std::string& command);
  // What `nft [-j] [-a] list ...` prints.
  std::string list(const std::string& what, bool json, bool handles);

 private:
  nft_ctx* ctx_;
};

// The rules of every nat chain on the postrouting hook, in the order the
// kernel evaluates them, each with its text as `nft list` prints it.
std::vector<trace::NatRule> postrouting_nat_rules(Nftables& nft);

}  // namespace ovl::os
