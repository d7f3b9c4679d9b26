// Reads a whole file into memory with one read of its known size.

#pragma once

#include <string>

namespace status_policy {

// Returns "" or the reason, e.g. "cannot open: No such file or directory".
std::string read_file_text(const std::string &path, std::string &text);

} // namespace status_policy
