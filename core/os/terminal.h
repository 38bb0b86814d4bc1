// The terminal a stepping verb reads its keys from (overlaylab step): raw
// mode, one key at a time without echo, for as long as a RawTerminal lives.
#pragma once

#include <termios.h>

#include <cstddef>

namespace ovl::os {

enum class Key { next, back, first, last, quit, other };

bool is_terminal(int fd);
// Columns of the terminal on fd, or fallback when it does not say.
size_t terminal_columns(int fd, size_t fallback);

class RawTerminal {
 public:
  // Throws std::system_error when fd is not a terminal.
  explicit RawTerminal(int fd);
  ~RawTerminal();  // the terminal's own settings back
  RawTerminal(const RawTerminal&) = delete;
  RawTerminal& operator=(const RawTerminal&) = delete;

  // Waits for a key: Enter, Space and Right are next; b, Backspace and
  // Left back; Home and End; q, Ctrl-C and the end of input quit.
  Key read_key();

 private:
  int fd_;
  termios saved_{};
};

}  // namespace ovl::os
