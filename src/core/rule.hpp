// One rule as stored: fixed-size, with its strings in the ruleset's text
// arena, so that a million rules cost a few allocations, not millions.

#pragma once

#include "status_policy_core.h"

#include <cstdint>

namespace status_policy {

enum class Kind : uint8_t {
    prefix = SP_KIND_PREFIX,
    exact = SP_KIND_EXACT,
    prefix_stop = SP_KIND_PREFIX_STOP,
    regex = SP_KIND_REGEX,
    regex_caseless = SP_KIND_REGEX_CASELESS,
};

inline bool is_regex(Kind k) noexcept
{
    return k == Kind::regex || k == Kind::regex_caseless;
}

inline bool is_prefix(Kind k) noexcept
{
    return k == Kind::prefix || k == Kind::prefix_stop;
}

inline bool is_redirect(int code) noexcept
{
    return code == 301 || code == 302 || code == 303 || code == 307
           || code == 308;
}

struct TextRef {
    uint32_t offset = 0;
    uint32_t length = 0;
};

struct Rule {
    TextRef pattern;
    TextRef target;
    uint32_t line = 0;
    uint16_t source = 0;      // index into the ruleset's source names
    int16_t code = 0;
    Kind kind = Kind::prefix;
    uint8_t regex_captures = 0;   // highest $N the target uses
};

} // namespace status_policy
