// Builds the Location of a 3xx rule.  Parts taken from the request (the
// rest of a prefix match, regex captures) are percent-escaped, so that a
// decoded path cannot inject a query, a fragment or a header.

#pragma once

#include <cstddef>
#include <string_view>

#include "rule.hpp"

namespace status_policy {

struct RedirectInput {
    Kind kind;
    std::string_view target;
    std::string_view path;
    size_t prefix_len;              // prefix rules
    const long *captures;           // regex rules: $0..$9 offsets
    int ncaptures;
    std::string_view args;          // query string without '?'
};

// Writes at most `size` bytes to buf and returns the full length.
size_t expand_redirect(const RedirectInput &in, char *buf, size_t size);

} // namespace status_policy
