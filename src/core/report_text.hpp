// What the report's formats share: names of things, times and numbers as
// text.  The formats themselves are report.cpp (JSON, Prometheus) and
// report_html.cpp (the dashboard).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "status_policy_core.h"

namespace status_policy::report {

inline std::string_view view(sp_str_t s)
{
    return {s.data, s.len};
}

inline std::string_view path_of(const sp_spike_path_t &p)
{
    return {p.key, p.key_len};
}

inline std::string_view key_of(const sp_spike_group_t &g)
{
    return {g.key, g.key_len};
}

inline std::string_view text_of(const sp_spike_top_t &t)
{
    return {t.text, t.len};
}

std::string iso_time(uint64_t ms);
std::string iso_seconds(int64_t sec);
std::string number(double v);
std::string number(uint64_t v);
std::string rule_name(const sp_report_rule_t &r);
std::string rule_pattern(const sp_report_rule_t &r);

// "page" or "deploy"; "path" for an event of a path
const char *group_kind(int kind);

// Paths of a zone spiking now (among the reported ones).
size_t spiking(const sp_report_zone_t &z);

// When the first window of the zone's history began (ms).
uint64_t history_start_ms(const sp_report_zone_t &z);

std::string render_html(const sp_report_t &r);

} // namespace status_policy::report
