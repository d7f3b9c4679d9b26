// The grammar of one rule, CODE [= | ^~ | ~ | ~*] PATTERN [TARGET], and
// the checks that need no regex engine.

#pragma once

#include "rule.hpp"

#include <cstddef>
#include <string>
#include <string_view>

namespace status_policy {

struct RuleSyntax {
    int code = 0;
    Kind kind = Kind::prefix;
    std::string_view pattern;
    std::string_view target;
    unsigned highest_capture = 0;   // highest $N in the target
};

// Returns an empty string when the tokens form a valid rule, else the
// reason, worded for "nginx -t".
std::string parse_rule(const std::string_view *args, size_t nargs,
                       RuleSyntax &rule);

} // namespace status_policy
