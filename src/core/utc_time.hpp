// A UNIX time as the report, the state file's readers and the checker
// show it: ISO 8601 in UTC, "2026-12-02T03:25:22Z".

#pragma once

#include <cstdint>
#include <string>

namespace status_policy {

std::string utc_time(int64_t seconds);

} // namespace status_policy
