// Polling for a condition that another process or thread will make true.
#pragma once

#include <chrono>
#include <thread>

namespace ovl::test {

// True as soon as pred() holds; false if it still does not after limit.
template <class Pred>
bool eventually(Pred pred, std::chrono::milliseconds limit = std::chrono::seconds(15),
                std::chrono::milliseconds every = std::chrono::milliseconds(50)) {
  for (auto end = std::chrono::steady_clock::now() + limit; std::chrono::steady_clock::now() < end;) {
    if (pred()) return true;
    std::this_thread::sleep_for(every);
  }
  return pred();
}

}  // namespace ovl::test
