// Reads a whole file into memory with one read of its known size.
// Only regular files are read, and none larger than max_file_size: a
// FIFO, a device such as /dev/zero or a disk image would block or fill
// memory before the first line could be checked.

#pragma once

#include <cstddef>
#include <string>

#include "text_arena.hpp"

namespace status_policy {

constexpr size_t max_file_size = size_t(1) << 30;     // 1 GiB

// Appends the whole file to `text`, with room reserved after it for
// `headroom` times the file's size more, so that appends of that much
// afterwards move nothing (views into the text stay valid).  Throws
// Error with the reason, e.g. "cannot open: No such file or directory",
// or "changed while being read" when it read more or less than the size
// the file had when opened; `text` may hold part of the file then.
void append_file_text(const std::string &path, TextArena &text,
                      size_t headroom = 0);

} // namespace status_policy
