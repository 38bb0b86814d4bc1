// Running independent pieces of work at once: each fn(i) for i in [0, n) on
// up to `threads` threads. All run to the end; then the first exception,
// if any, is rethrown.
#pragma once

#include <algorithm>
#include <atomic>
#include <cstddef>
#include <exception>
#include <limits>
#include <thread>
#include <vector>

namespace ovl::os {

template <class Fn>
void in_parallel(size_t n, Fn fn, size_t threads = std::numeric_limits<size_t>::max()) {
  std::vector<std::exception_ptr> errors(n);
  std::atomic<size_t> next{0};
  auto work = [&] {
    for (size_t i; (i = next++) < n;) {
      try {
        fn(i);
      } catch (...) {
        errors[i] = std::current_exception();
      }
    }
  };
  std::vector<std::thread> pool;
  for (size_t t = 0; t < std::min(n, threads); ++t) pool.emplace_back(work);
  for (auto& t : pool) t.join();
  for (auto& e : errors)
    if (e) std::rethrow_exception(e);
}

}  // namespace ovl::os
