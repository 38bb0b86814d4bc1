#include "core/os/terminal.h"

#include <poll.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "core/os/fd.h"

namespace ovl::os {
namespace {

// The rest of an escape sequence, if it comes at once (a lone Esc does not).
int next_byte(int fd) {
  pollfd p{fd, POLLIN, 0};
  unsigned char c = 0;
  if (::poll(&p, 1, 50) != 1 || ::read(fd, &c, 1) != 1) return -1;
  return c;
}

// ESC [ C/D/H/F, or ESC [ 1~/4~ for Home and End.
Key escape(int fd) {
  if (next_byte(fd) != '[') return Key::other;
  switch (next_byte(fd)) {
    case 'C': return Key::next;
    case 'D': return Key::back;
    case 'H': return Key::first;
    case 'F': return Key::last;
    case '1': return next_byte(fd) == '~' ? Key::first : Key::other;
    case '4': return next_byte(fd) == '~' ? Key::last : Key::other;
    default: return Key::other;
  }
}

}  // namespace

bool is_terminal(int fd) { return ::isatty(fd) == 1; }

size_t terminal_columns(int fd, size_t fallback) {
  winsize size{};
  if (::ioctl(fd, TIOCGWINSZ, &size) != 0 || size.ws_col == 0) return fallback;
  return size.ws_col;
}

RawTerminal::RawTerminal(int fd) : fd_(fd) {
  if (::tcgetattr(fd, &saved_) != 0) throw_errno("reading the terminal's settings");
  termios raw = saved_;
  // No line buffering, no echo, and Ctrl-C as a key: quitting must restore
  // the terminal, which a signal's default action would not.
  raw.c_lflag &= ~tcflag_t(ICANON | ECHO | ISIG);
  raw.c_cc[VMIN] = 1;
  raw.c_cc[VTIME] = 0;
  if (::tcsetattr(fd, TCSANOW, &raw) != 0) throw_errno("putting the terminal in raw mode");
}

RawTerminal::~RawTerminal() { ::tcsetattr(fd_, TCSANOW, &saved_); }

Key RawTerminal::read_key() {
  unsigned char c = 0;
  if (::read(fd_, &c, 1) != 1) return Key::quit;
  switch (c) {
    case '\r': case '\n': case ' ': return Key::next;
    case 'b': case 'B': case 0x7f: case '\b': return Key::back;
    case 'q': case 'Q': case 0x03: case 0x04: return Key::quit;
    case 0x1b: return escape(fd_);
    default: return Key::other;
  }
}

}  // namespace ovl::os
