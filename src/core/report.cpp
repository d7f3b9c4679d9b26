// status_policy_report: the spike zones and rule hit counters as JSON,
// Prometheus text exposition or a self-contained HTML page.  Every string
// that came from a request is escaped for its format (escape.hpp).
#include <algorithm>
#include <cinttypes>
#include <cstdio>
#include <cstring>
#include <string>
#include <string_view>

#include "escape.hpp"
#include "report_text.hpp"
#include "status_policy_core.h"

namespace {

using status_policy::append_json_string;
using status_policy::append_prometheus_label;
using namespace status_policy::report;

// --- JSON -----------------------------------------------------------------

void append_json_time(std::string &out, int64_t sec)
{
    if (sec > 0) {
        append_json_string(out, iso_seconds(sec));
    } else {
        out += "null";
    }
}

void json_time(std::string &out, const char *name, uint64_t ms)
{
    out += ", \"";
    out += name;
    out += "\": ";
    if (ms == 0) {
        out += "null";
    } else {
        append_json_string(out, iso_time(ms));
    }
}

void json_history(std::string &out, const uint32_t *h, uint32_t n)
{
    out += ", \"history\": [";
    for (uint32_t i = 0; h && i < n; i++) {
        out += (i ? "," : "") + std::to_string(h[i]);
    }
    out += "]";
}

void json_top(std::string &out, const char *name, const char *field,
              const sp_spike_top_t *top, size_t n)
{
    out += ", \"";
    out += name;
    out += "\": [";
    for (size_t i = 0; i < n; i++) {
        out += i ? ", " : "";
        out += "{\"";
        out += field;
        out += "\": ";
        append_json_string(out, text_of(top[i]));
        out += ", \"count\": " + number(uint64_t{top[i].count}) + "}";
    }
    out += "]";
}

void json_spike_state(std::string &out, int spiking, uint64_t start_ms,
                      uint32_t peak)
{
    out += ", \"spiking\": ";
    out += spiking ? "true" : "false";
    out += ", \"folded\": ";
    out += spiking == SP_SPIKE_FOLDED ? "true" : "false";
    json_time(out, "spike_started", spiking ? start_ms : 0);
    out += ", \"spike_peak\": " + number(uint64_t{peak});
}

void json_group(std::string &out, const sp_spike_group_t &g, uint32_t h)
{
    out += "{\"kind\": \"";
    out += group_kind(g.kind);
    out += "\", \"key\": ";
    append_json_string(out, key_of(g));
    out += ", \"truncated\": ";
    out += g.truncated ? "true" : "false";
    out += ", \"code\": " + std::to_string(g.code);
    out += ", \"window_count\": " + number(uint64_t{g.window_count});
    out += ", \"paths\": " + number(uint64_t{g.paths});
    out += ", \"referers\": " + number(uint64_t{g.referers});
    out += ", \"referred\": " + number(uint64_t{g.referred});
    out += ", \"total\": " + number(g.total);
    out += ", \"baseline\": " + number(g.baseline);
    json_time(out, "first_seen", g.first_seen_ms);
    json_time(out, "last_seen", g.last_seen_ms);
    json_spike_state(out, g.spiking, g.spike_start_ms, g.spike_peak);
    json_top(out, "top_paths", "path", g.top_paths, g.ntop_paths);
    json_top(out, "top_referers", "referer", g.top_referers,
             g.ntop_referers);
    json_history(out, g.history, h);
    out += "}";
}

void json_event(std::string &out, const sp_spike_event_record_t &e)
{
    out += "{\"time\": ";
    append_json_string(out, iso_time(e.time_ms));
    out += ", \"event\": \"";
    out += e.started ? "start" : "end";
    out += "\", \"kind\": \"";
    out += group_kind(e.kind);
    out += "\", \"key\": ";
    append_json_string(out, {e.key, e.key_len});
    out += ", \"code\": " + std::to_string(e.code);
    out += ", \"count\": " + number(uint64_t{e.count});
    if (e.kind != 0 && e.started) {
        out += ", \"paths\": " + number(uint64_t{e.paths});
    }
    if (!e.started) {
        out += ", \"length_seconds\": " + number(e.length_ms / 1000);
    }
    out += "}";
}

void json_path(std::string &out, const sp_spike_path_t &p, uint32_t h)
{
    out += "{\"path\": ";
    append_json_string(out, path_of(p));
    out += ", \"truncated\": ";
    out += p.truncated ? "true" : "false";
    out += ", \"code\": " + std::to_string(p.code);
    out += ", \"window_count\": " + number(uint64_t{p.window_count});
    out += ", \"total\": " + number(p.total);
    out += ", \"baseline\": " + number(p.baseline);
    json_time(out, "first_seen", p.first_seen_ms);
    json_time(out, "last_seen", p.last_seen_ms);
    json_spike_state(out, p.spiking, p.spike_start_ms, p.spike_peak);
    json_top(out, "referers", "referer", p.referers, p.nreferers);
    json_history(out, p.history, h);
    out += "}";
}

std::string digest_hex(uint64_t digest)
{
    static const char hex[] = "0123456789abcdef";
    std::string out(16, '0');
    for (size_t i = 16; i-- > 0; digest >>= 4) {
        out[i] = hex[digest & 15];
    }
    return out;
}

std::string render_json(const sp_report_t &r)
{
    std::string out = "{\"time\": ";
    append_json_string(out, iso_time(r.now_ms));
    out += ",\n \"zones\": [";
    for (size_t z = 0; z < r.nzones; z++) {
        const sp_report_zone_t &zone = r.zones[z];
        out += z ? ",\n  {" : "\n  {";
        out += "\"name\": ";
        append_json_string(out, view(zone.name));
        out += ", \"window_seconds\": "
               + number(zone.cfg.window_ms / 1000.0);
        out += ", \"threshold\": " + number(uint64_t{zone.cfg.threshold});
        out += ", \"factor\": " + number(zone.cfg.factor);
        out += ", \"codes\": [";
        for (size_t i = 0; i < zone.ncodes; i++) {
            out += (i ? ", " : "") + std::to_string(zone.codes[i]);
        }
        out += "], \"capacity\": " + number(uint64_t{zone.stats.capacity});
        out += ", \"paths\": " + number(uint64_t{zone.stats.used});
        out += ", \"counted\": " + number(zone.stats.counted);
        out += ", \"evicted\": " + number(zone.stats.evicted);
        out += ", \"filtered\": " + number(zone.stats.filtered);
        out += ", \"group_threshold\": "
               + number(uint64_t{zone.cfg.group_threshold});
        out += ", \"group_paths\": " + number(uint64_t{zone.cfg.group_paths});
        out += ", \"group_capacity\": "
               + number(uint64_t{zone.stats.group_capacity});
        out += ", \"groups_tracked\": " + number(uint64_t{zone.stats.groups});
        out += ", \"window_count\": "
               + number(uint64_t{zone.stats.window_count});
        out += ",\n   \"history_start\": ";
        append_json_string(out, iso_time(history_start_ms(zone)));
        json_history(out, zone.history, zone.cfg.history);
        out += ",\n   \"spikes\": [";
        bool first = true;
        for (size_t i = 0; i < zone.npaths; i++) {
            if (zone.paths[i].spiking) {
                out += first ? "" : ", ";
                append_json_string(out, path_of(zone.paths[i]));
                first = false;
            }
        }
        out += "],\n   \"groups\": [";
        for (size_t i = 0; i < zone.ngroups; i++) {
            out += i ? ",\n    " : "\n    ";
            json_group(out, zone.groups[i], zone.cfg.history);
        }
        out += "],\n   \"top\": [";
        for (size_t i = 0; i < zone.npaths; i++) {
            out += i ? ",\n    " : "\n    ";
            json_path(out, zone.paths[i], zone.cfg.history);
        }
        out += "],\n   \"events\": [";
        for (size_t i = zone.nevents; i-- > 0;) {
            out += i + 1 < zone.nevents ? ",\n    " : "\n    ";
            json_event(out, zone.events[i]);
        }
        out += "]}";
    }
    out += "],\n \"live_zones\": [";
    for (size_t i = 0; i < r.nlive; i++) {
        const sp_report_live_t &l = r.live[i];
        out += i ? ",\n  {\"name\": " : "\n  {\"name\": ";
        append_json_string(out, view(l.name));
        out += ", \"rules\": " + number(uint64_t{l.rules});
        out += ", \"digest\": \"" + digest_hex(l.digest) + "\"";
        out += ", \"changes\": " + number(l.changes) + "}";
    }
    out += "],\n \"rules_total\": " + number(uint64_t{r.rules_total});
    out += ", \"rules_never_hit\": " + number(uint64_t{r.rules_never_hit});
    out += ", \"hits_since\": ";
    append_json_time(out, r.hits_since);
    out += ",\n \"rules\": [";
    for (size_t i = 0; i < r.nrules; i++) {
        const sp_report_rule_t &rule = r.rules[i];
        out += i ? ",\n  " : "\n  ";
        out += "{\"rule\": ";
        append_json_string(out, rule_name(rule));
        out += ", \"code\": " + std::to_string(rule.code);
        out += ", \"pattern\": ";
        append_json_string(out, rule_pattern(rule));
        out += ", \"hits\": " + number(rule.hits.hits);
        out += ", \"first_hit\": ";
        append_json_time(out, rule.hits.first);
        out += ", \"last_hit\": ";
        append_json_time(out, rule.hits.last);
        out += "}";
    }
    out += "]}\n";
    return out;
}

// --- Prometheus -----------------------------------------------------------

struct Family {
    const char *name;
    const char *type;
    const char *help;
};

void prom_header(std::string &out, const Family &f)
{
    out += "# HELP ";
    out += f.name;
    out += ' ';
    out += f.help;
    out += "\n# TYPE ";
    out += f.name;
    out += ' ';
    out += f.type;
    out += '\n';
}

// A sample of a zone's family up to its zone label: NAME{zone="..."
void prom_zone_sample(std::string &out, const Family &f,
                      const sp_report_zone_t &z)
{
    out += f.name;
    out += "{zone=\"";
    append_prometheus_label(out, view(z.name));
    out += '"';
}

// Each family's header, then its samples: zone_samples(f, zone) writes
// those of family f for one zone.
template <size_t N, typename ZoneSamples>
void prom_families(const sp_report_t &r, std::string &out,
                   const Family (&families)[N], ZoneSamples zone_samples)
{
    for (size_t f = 0; f < N; f++) {
        prom_header(out, families[f]);
        for (size_t z = 0; z < r.nzones; z++) {
            zone_samples(f, r.zones[z]);
        }
    }
}

std::string render_prometheus(const sp_report_t &r)
{
    std::string out;

    const Family zone_families[] = {
        {"status_policy_zone_capacity", "gauge",
         "Paths a spike zone can hold."},
        {"status_policy_zone_paths", "gauge", "Paths a spike zone tracks."},
        {"status_policy_zone_counted_total", "counter",
         "Responses counted into a spike zone."},
        {"status_policy_zone_evicted_total", "counter",
         "Paths a spike zone let go for new ones."},
        {"status_policy_zone_filtered_total", "counter",
         "First hits of new paths a full spike zone did not admit."},
        {"status_policy_zone_spikes", "gauge",
         "Paths of a spike zone spiking now (among the reported ones)."},
    };
    prom_families(r, out, zone_families,
                  [&](size_t f, const sp_report_zone_t &zone) {
        uint64_t v[] = {zone.stats.capacity, zone.stats.used,
                        zone.stats.counted, zone.stats.evicted,
                        zone.stats.filtered, spiking(zone)};
        prom_zone_sample(out, zone_families[f], zone);
        out += "} " + std::to_string(v[f]) + '\n';
    });

    // per path: the top paths only, so that label cardinality is bounded
    const Family path_families[] = {
        {"status_policy_path_window_hits", "gauge",
         "Responses for a path in the current spike window."},
        {"status_policy_path_baseline", "gauge",
         "Long-run responses per window for a path."},
        {"status_policy_path_spiking", "gauge",
         "1 while a path is spiking."},
    };
    prom_families(r, out, path_families,
                  [&](size_t f, const sp_report_zone_t &zone) {
        for (size_t i = 0; i < zone.npaths; i++) {
            const sp_spike_path_t &p = zone.paths[i];
            prom_zone_sample(out, path_families[f], zone);
            out += ",path=\"";
            append_prometheus_label(out, path_of(p));
            out += "\",code=\"" + std::to_string(p.code) + "\"} ";
            if (f == 0) {
                out += number(uint64_t{p.window_count});
            } else if (f == 1) {
                out += number(p.baseline);
            } else {
                out += p.spiking ? "1" : "0";
            }
            out += '\n';
        }
    });

    // live zones: the same digest on every node means the same rules
    const Family live_families[] = {
        {"status_policy_live_rules", "gauge", "Rules a live zone holds."},
        {"status_policy_live_changes_total", "counter",
         "Writes published to a live zone."},
        {"status_policy_live_digest", "gauge",
         "The digest of a live zone's rules (its first 52 bits)."},
    };
    for (size_t f = 0; f < 3; f++) {
        prom_header(out, live_families[f]);
        for (size_t i = 0; i < r.nlive; i++) {
            const sp_report_live_t &l = r.live[i];
            uint64_t v[] = {l.rules, l.changes, l.digest >> 12};
            out += live_families[f].name;
            out += "{zone=\"";
            append_prometheus_label(out, view(l.name));
            out += "\"} " + std::to_string(v[f]) + '\n';
        }
    }

    prom_header(out, {"status_policy_rules", "gauge",
                      "status_policy rules configured."});
    out += "status_policy_rules " + number(uint64_t{r.rules_total}) + '\n';
    prom_header(out, {"status_policy_rules_never_hit", "gauge",
                      "status_policy rules no request has hit."});
    out += "status_policy_rules_never_hit "
           + number(uint64_t{r.rules_never_hit}) + '\n';

    auto rule_samples = [&](const char *family, auto value) {
        for (size_t i = 0; i < r.nrules; i++) {
            const sp_report_rule_t &rule = r.rules[i];
            out += family;
            out += "{rule=\"";
            append_prometheus_label(out, rule_name(rule));
            out += "\",code=\"" + std::to_string(rule.code) + "\"} "
                   + value(rule.hits) + '\n';
        }
    };
    prom_header(out, {"status_policy_rule_hits_total", "counter",
                      "Requests a status_policy rule answered."});
    rule_samples("status_policy_rule_hits_total",
                 [](const sp_rule_hits_t &h) { return number(h.hits); });
    prom_header(out, {"status_policy_rule_last_hit_timestamp_seconds", "gauge",
                      "When a status_policy rule last answered a request."});
    rule_samples("status_policy_rule_last_hit_timestamp_seconds",
                 [](const sp_rule_hits_t &h) {
                     return std::to_string(h.last);
                 });
    return out;
}

} // namespace

extern "C" int sp_report_render(const sp_report_t *report, int format,
                                char *buf, size_t size,
                                size_t *needed) noexcept
{
    if (needed != nullptr) {
        *needed = 0;
    }
    try {
        std::string out;
        switch (format) {
        case SP_REPORT_PROMETHEUS: out = render_prometheus(*report); break;
        case SP_REPORT_HTML:
            out = status_policy::report::render_html(*report);
            break;
        default: out = render_json(*report);
        }
        if (buf != nullptr) {
            std::memcpy(buf, out.data(), std::min(size, out.size()));
        }
        if (needed != nullptr) {
            *needed = out.size();
        }
        return SP_OK;
    } catch (...) {
        return SP_ERROR;
    }
}
