#include "utc_time.hpp"

#include <ctime>

namespace status_policy {

std::string utc_time(int64_t seconds)
{
    time_t sec = static_cast<time_t>(seconds);
    struct tm tm;
    gmtime_r(&sec, &tm);
    char buf[32];
    std::strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%SZ", &tm);
    return buf;
}

} // namespace status_policy
