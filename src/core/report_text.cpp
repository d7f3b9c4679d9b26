#include "report_text.hpp"

#include <algorithm>
#include <cstdio>

#include "utc_time.hpp"

namespace status_policy::report {

std::string iso_time(uint64_t ms)
{
    return ms ? utc_time(static_cast<int64_t>(ms / 1000)) : "";
}

std::string iso_seconds(int64_t sec)
{
    return sec > 0 ? utc_time(sec) : "";
}

std::string number(double v)
{
    char buf[32];
    std::snprintf(buf, sizeof(buf), "%.2f", v);
    return buf;
}

std::string number(uint64_t v)
{
    return std::to_string(v);
}

namespace {

const char *modifier(int kind)
{
    switch (kind) {
    case SP_KIND_EXACT: return "= ";
    case SP_KIND_PREFIX_STOP: return "^~ ";
    case SP_KIND_REGEX: return "~ ";
    case SP_KIND_REGEX_CASELESS: return "~* ";
    default: return "";
    }
}

} // namespace

std::string rule_name(const sp_report_rule_t &r)
{
    return std::string(view(r.source)) + ":" + std::to_string(r.line);
}

std::string rule_pattern(const sp_report_rule_t &r)
{
    return modifier(r.kind) + std::string(view(r.pattern));
}

const char *group_kind(int kind)
{
    switch (kind) {
    case SP_GROUP_PAGE: return "page";
    case SP_GROUP_DEPLOY: return "deploy";
    default: return "path";
    }
}

size_t spiking(const sp_report_zone_t &z)
{
    return std::count_if(z.paths, z.paths + z.npaths,
                         [](const sp_spike_path_t &p) { return p.spiking; });
}

uint64_t history_start_ms(const sp_report_zone_t &z)
{
    uint64_t span = uint64_t{z.cfg.history} * z.cfg.window_ms;
    return z.stats.history_end_ms > span ? z.stats.history_end_ms - span : 0;
}

} // namespace status_policy::report
