// The path nginx matches locations against ($uri), computed from a request
// target the way nginx computes it: percent-decoded, slashes merged, "."
// and ".." segments resolved, query and fragment dropped.

#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace status_policy {

enum class UriError : uint8_t {
    none,
    bad_escape,     // "%" not followed by two hex digits
    null_byte,      // "%00"
    above_root,     // ".." climbs over "/"
};

// Short reason, e.g. "invalid percent-escape".
const char *describe(UriError error) noexcept;

// Writes the normalized path of an origin-form target ("/path?query#frag")
// into path.  An empty target, or one starting with "?" or "#", stands for
// "/" (an absolute-form target without a path).  Decoded "/" and "." count
// as separators and dots, decoded "?", "#" and "%" do not.  On an error
// nginx answers 400 and path is unspecified.
UriError normalize_path(std::string_view target, std::string &path);

} // namespace status_policy
