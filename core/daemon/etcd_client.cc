#include "core/daemon/etcd_client.h"

#include <curl/curl.h>

#include <algorithm>
#include <cctype>
#include <memory>
#include <mutex>
#include <optional>
#include <system_error>

#include "core/os/netns_socket.h"
#include "core/overlay/lease_store.h"

namespace ovl::daemon {
namespace {

using Json = nlohmann::json;
using Steady = std::chrono::steady_clock;
using std::chrono::milliseconds;

// An unreachable endpoint should cost a second, not the kernel's minutes, so
// the next endpoint (or the caller's retry) gets its turn.
constexpr long kConnectTimeoutMs = 1000;
constexpr milliseconds kRequestTimeout{3000};

struct EasyDeleter {
  void operator()(CURL* easy) const { curl_easy_cleanup(easy); }
};
struct MultiDeleter {
  void operator()(CURLM* multi) const { curl_multi_cleanup(multi); }
};
struct ListDeleter {
  void operator()(curl_slist* list) const { curl_slist_free_all(list); }
};

// What one request to one endpoint collects as it runs.
struct Transfer {
  CURL* easy = nullptr;
  int netns_fd = -1;
  std::string socket_error;  // from open_socket, which may not throw into curl
  std::string body;          // the reply; for a stream, its unread tail
  const EtcdClient::OnMessage* on_message = nullptr;
  bool got_message = false, stop = false;
  std::string stream_error;  // an {"error":...} message inside a stream
  std::exception_ptr error;  // thrown by on_message, rethrown after curl returns
};

curl_socket_t open_socket(void* clientp, curlsocktype, curl_sockaddr* address) {
  auto* t = static_cast<Transfer*>(clientp);
  try {
    return os::socket_in_netns(t->netns_fd, address->family, address->socktype, address->protocol);
  } catch (const std::exception& e) {
    t->socket_error = e.what();
    return CURL_SOCKET_BAD;
  }
}

size_t collect(char* data, size_t size, size_t count, void* userp) {
  static_cast<Transfer*>(userp)->body.append(data, size * count);
  return size * count;
}

long http_status(CURL* easy) {
  long status = 0;
  curl_easy_getinfo(easy, CURLINFO_RESPONSE_CODE, &status);
  return status;
}

// Hands each complete line of a streamed reply to on_message. Returning less
// than was given makes curl abort the transfer: that is how a stream stops.
bool feed_lines(Transfer& t) {
  for (size_t nl; (nl = t.body.find('\n')) != std::string::npos;) {
    std::string line = t.body.substr(0, nl);
    t.body.erase(0, nl + 1);
    if (std::all_of(line.begin(), line.end(), [](unsigned char c) { return std::isspace(c); })) continue;
    Json message = Json::parse(line, nullptr, /*allow_exceptions=*/false);
    if (message.is_discarded()) {
      t.stream_error = "with an unreadable message: " + line.substr(0, 120);
      return false;
    }
    if (message.contains("error")) {
      const Json& e = message["error"];
      t.stream_error = "with an error: " + (e.is_object() ? e.value("message", e.dump()) : e.dump());
      return false;
    }
    t.got_message = true;
    if (!(*t.on_message)(message)) {
      t.stop = true;
      return false;
    }
  }
  return true;
}

size_t stream_lines(char* data, size_t size, size_t count, void* userp) {
  auto* t = static_cast<Transfer*>(userp);
  t->body.append(data, size * count);
  if (http_status(t->easy) != 200) return size * count;  // an error reply: read it whole
  try {
    return feed_lines(*t) ? size * count : 0;
  } catch (...) {
    t->error = std::current_exception();
    return 0;
  }
}

std::string lower_first(std::string text) {
  if (!text.empty()) text[0] = char(std::tolower(static_cast<unsigned char>(text[0])));
  return text;
}

// Why a transfer failed, in the words a student would search for:
// "connection refused", "timed out".
std::string failure_reason(const Transfer& t, CURLcode code) {
  if (!t.socket_error.empty()) return t.socket_error;
  if (code == CURLE_OPERATION_TIMEDOUT) return "timed out";
  long os_errno = 0;
  curl_easy_getinfo(t.easy, CURLINFO_OS_ERRNO, &os_errno);
  if (os_errno != 0) return lower_first(std::generic_category().message(int(os_errno)));
  return lower_first(curl_easy_strerror(code));
}

// "HTTP 404 (etcdserver: requested lease not found)": the gateway's error
// replies carry the etcd message in "message" or "error".
std::string http_failure(long status, const std::string& body) {
  std::string detail;
  Json reply = Json::parse(body, nullptr, /*allow_exceptions=*/false);
  if (reply.is_object() && reply.contains("message") && reply["message"].is_string())
    detail = reply["message"];
  else if (reply.is_object() && reply.contains("error") && reply["error"].is_string())
    detail = reply["error"];
  return "HTTP " + std::to_string(status) + (detail.empty() ? "" : " (" + detail + ")");
}

struct Request {
  std::unique_ptr<CURL, EasyDeleter> easy;
  std::unique_ptr<curl_slist, ListDeleter> headers;
  std::string body;  // curl reads the POST body from here while it runs
};

Request make_request(const std::string& url, const Json& request, Transfer& t,
                     curl_write_callback write) {
  // libcurl's process-wide setup must run once before any thread uses it.
  static std::once_flag curl_ready;
  std::call_once(curl_ready, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
  Request r{std::unique_ptr<CURL, EasyDeleter>(curl_easy_init()),
            std::unique_ptr<curl_slist, ListDeleter>(curl_slist_append(nullptr, "Content-Type: application/json")),
            request.dump()};
  if (!r.easy || !r.headers) throw overlay::StoreUnavailable("etcd " + url + ": cannot set up a curl request");
  CURL* e = r.easy.get();
  t.easy = e;
  curl_easy_setopt(e, CURLOPT_URL, url.c_str());
  curl_easy_setopt(e, CURLOPT_POSTFIELDS, r.body.c_str());
  curl_easy_setopt(e, CURLOPT_POSTFIELDSIZE, long(r.body.size()));
  curl_easy_setopt(e, CURLOPT_HTTPHEADER, r.headers.get());
  curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);    // threads; timeouts without SIGALRM
  curl_easy_setopt(e, CURLOPT_NOPROXY, "*");    // the store is in the lab, never behind a proxy
  curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT_MS, kConnectTimeoutMs);
  curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, write);
  curl_easy_setopt(e, CURLOPT_WRITEDATA, &t);
  if (t.netns_fd >= 0) {
    curl_easy_setopt(e, CURLOPT_OPENSOCKETFUNCTION, open_socket);
    curl_easy_setopt(e, CURLOPT_OPENSOCKETDATA, &t);
  }
  return r;
}

std::string joined(const std::vector<std::string>& failures) {
  std::string out;
  for (const auto& f : failures) out += (out.empty() ? "" : "; ") + f;
  return out;
}

// Runs a streamed transfer until on_message stops it, it fails, or its time
// is up; returns why it failed, if it did.
std::optional<std::string> run_stream(Transfer& t, Steady::time_point deadline) {
  std::unique_ptr<CURLM, MultiDeleter> multi(curl_multi_init());
  curl_multi_add_handle(multi.get(), t.easy);
  auto first_message_by = Steady::now() + kRequestTimeout;
  std::optional<std::string> failure;
  while (true) {
    int running = 0;
    curl_multi_perform(multi.get(), &running);
    if (t.stop || t.error) break;
    if (!t.stream_error.empty()) {
      failure = "etcd answered " + t.stream_error;
      break;
    }
    if (!running) {
      int left = 0;
      CURLMsg* done = curl_multi_info_read(multi.get(), &left);
      CURLcode code = done ? done->data.result : CURLE_OK;
      if (code != CURLE_OK) failure = failure_reason(t, code);
      else if (http_status(t.easy) != 200) failure = http_failure(http_status(t.easy), t.body);
      else failure = "the stream ended";
      break;
    }
    auto limit = t.got_message ? deadline : first_message_by;
    auto now = Steady::now();
    if (now >= limit) {
      if (!t.got_message) failure = "timed out";
      break;
    }
    auto wait = std::clamp<int64_t>(std::chrono::ceil<milliseconds>(limit - now).count(), 1, 1000);
    curl_multi_poll(multi.get(), nullptr, 0, int(wait), nullptr);
  }
  curl_multi_remove_handle(multi.get(), t.easy);
  return failure;
}

}  // namespace

EtcdClient::EtcdClient(std::vector<std::string> endpoints, int netns_fd)
    : endpoints_(std::move(endpoints)), netns_fd_(netns_fd) {}

Json EtcdClient::call(const std::string& path, const Json& request, const std::string& what) const {
  std::vector<std::string> failures;
  for (const auto& endpoint : endpoints_) {
    Transfer t;
    t.netns_fd = netns_fd_;
    Request r = make_request(endpoint + path, request, t, collect);
    curl_easy_setopt(t.easy, CURLOPT_TIMEOUT_MS, long(kRequestTimeout.count()));
    CURLcode code = curl_easy_perform(t.easy);
    std::string prefix = "etcd " + endpoint + ": ";
    if (code != CURLE_OK) {
      failures.push_back(prefix + failure_reason(t, code) + " while " + what);
      continue;
    }
    long status = http_status(t.easy);
    if (status == 200) {
      Json reply = Json::parse(t.body, nullptr, /*allow_exceptions=*/false);
      if (reply.is_discarded()) throw overlay::StoreUnavailable(prefix + "unreadable reply while " + what);
      return reply;
    }
    // A 4xx is etcd's considered answer; only a server in trouble (5xx, no
    // leader) is worth asking the next endpoint about.
    failures.push_back(prefix + http_failure(status, t.body) + " while " + what);
    if (status < 500) break;
  }
  throw overlay::StoreUnavailable(joined(failures));
}

void EtcdClient::stream(const std::string& path, const Json& request, const std::string& what,
                        Steady::time_point deadline, const OnMessage& on_message) const {
  std::vector<std::string> failures;
  for (const auto& endpoint : endpoints_) {
    Transfer t;
    t.netns_fd = netns_fd_;
    t.on_message = &on_message;
    Request r = make_request(endpoint + path, request, t, stream_lines);
    auto failure = run_stream(t, deadline);
    if (t.error) std::rethrow_exception(t.error);
    if (!failure) return;
    failures.push_back("etcd " + endpoint + ": " + *failure + " while " + what);
    if (t.got_message) break;  // it broke mid-stream: the caller decides what to redo
  }
  throw overlay::StoreUnavailable(joined(failures));
}

}  // namespace ovl::daemon
