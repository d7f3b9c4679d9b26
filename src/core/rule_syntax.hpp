// The grammar of one rule, CODE [= | ^~ | ~ | ~*] PATTERN [TARGET], and
// the checks that need no regex engine.

#pragma once

#include "rule.hpp"

#include <cstddef>
#include <string_view>

namespace status_policy {

// The longest PATTERN or TARGET, in bytes: eight times the request line
// nginx takes by default (large_client_header_buffers 8k), and small
// enough that a line of megabytes, from a file that is no rules file, is
// refused at once.
constexpr size_t max_token_length = 65536;

struct RuleSyntax {
    int code = 0;
    Kind kind = Kind::prefix;
    std::string_view pattern;
    std::string_view target;
    unsigned highest_capture = 0;   // highest $N in the target
};

// Reads the tokens of one rule into `rule`; throws Error with the reason,
// worded for "nginx -t", when they do not form a valid rule.
void parse_rule(const std::string_view *args, size_t nargs,
                RuleSyntax &rule);

} // namespace status_policy
