// Request-derived text made safe for a terminal or a text report.

#pragma once

#include <string>
#include <string_view>

namespace check_tool {

// Control bytes and bytes that are not valid UTF-8 become \xHH, as in
// nginx's access log, so that a path cannot move the cursor or forge a
// line; valid UTF-8 stays as it is.
std::string printable(std::string_view s);

} // namespace check_tool
