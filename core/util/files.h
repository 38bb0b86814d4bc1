// Whole-file reads and atomic writes, shared by the daemon, its stores and
// the lab: state files are read while other processes rewrite them.
#pragma once

#include <filesystem>
#include <optional>
#include <string>

namespace ovl::util {

// The file's bytes; nullopt when it cannot be opened (errno says why).
std::optional<std::string> read_file(const std::filesystem::path& path);

// A file a user names (a scenario): read only if it is a regular file
// (symlinks followed) of at most max_bytes, without ever blocking on a FIFO
// or reading more than max_bytes + 1 from anything. Throws
// std::runtime_error with the reason: "is a directory", "is a FIFO, not a
// regular file", "is larger than 16 MiB", or the system's.
std::string read_input_file(const std::filesystem::path& path, size_t max_bytes);

// Writes a dot-named temporary file beside path (creating the directory),
// then renames it over path: a reader sees the old content or the new, never
// half of either, and directory listings that skip dot names never see the
// temporary. Throws std::system_error when the write fails.
void write_file_atomically(const std::filesystem::path& path, const std::string& content);

}  // namespace ovl::util
