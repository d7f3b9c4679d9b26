// The literal text every match of an anchored regex must start with, so
// that a path can skip regexes that cannot match it without running them.

#pragma once

#include <string>
#include <string_view>

namespace status_policy {

// "^/legacy/[a-z]+\.php$" gives "/legacy/".  Returns "" when no safe
// prefix exists: no "^" anchor, alternation at the top level, option
// settings or verbs that could change how the text reads, syntax a plain
// scan could misread (\c, POSIX classes in brackets), or a first item
// that is not a plain literal.  A literal under a quantifier is not part
// of the prefix.
std::string literal_prefix(std::string_view regex);

} // namespace status_policy
