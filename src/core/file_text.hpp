// Reads a whole file into memory with one read of its known size.
// Only regular files are read, and none larger than max_file_size: a
// FIFO, a device such as /dev/zero or a disk image would block or fill
// memory before the first line could be checked.

#pragma once

#include <string>

#include <cstddef>

namespace status_policy {

constexpr size_t max_file_size = size_t(1) << 30;     // 1 GiB

// Returns "" or the reason, e.g. "cannot open: No such file or directory".
std::string read_file_text(const std::string &path, std::string &text);

} // namespace status_policy
