// etcd's v3 JSON gateway over HTTP, through libcurl: POST a JSON request to
// the first endpoint that answers and get the JSON reply, or follow a
// streamed reply (/v3/watch) message by message. No etcd semantics here;
// those are in etcd_store.cc.
#pragma once

#include <chrono>
#include <functional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace ovl::daemon {

class EtcdClient {
 public:
  // endpoints: "http://ip:port", tried in order. netns_fd >= 0: every socket
  // is created in that network namespace; the fd is borrowed and must stay
  // open while the client lives.
  EtcdClient(std::vector<std::string> endpoints, int netns_fd);

  // POSTs request to path ("/v3/kv/range") and returns the parsed reply.
  // what names the purpose for errors ("reading /coreos.com/network/config").
  // Throws StoreUnavailable ("etcd http://172.20.33.102:2379: connection
  // refused while reading ...") when no endpoint answers with 200.
  nlohmann::json call(const std::string& path, const nlohmann::json& request, const std::string& what) const;

  // A streamed call: on_message gets each JSON message as it arrives and
  // returns false to end the call. After the first message the stream also
  // ends quietly at deadline; before it, a slow or failed endpoint, or a
  // stream that ends before on_message says stop, throws StoreUnavailable.
  using OnMessage = std::function<bool(const nlohmann::json&)>;
  void stream(const std::string& path, const nlohmann::json& request, const std::string& what,
              std::chrono::steady_clock::time_point deadline, const OnMessage& on_message) const;

  const std::vector<std::string>& endpoints() const { return endpoints_; }

 private:
  std::vector<std::string> endpoints_;
  int netns_fd_;
};

}  // namespace ovl::daemon
