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
#include "status_policy_core.h"
#include "utc_time.hpp"

namespace {

using status_policy::append_html;
using status_policy::append_json_string;
using status_policy::append_prometheus_label;

std::string_view view(sp_str_t s)
{
    return {s.data, s.len};
}

std::string_view path_of(const sp_spike_path_t &p)
{
    return {p.key, p.key_len};
}

std::string iso_time(uint64_t ms)
{
    return ms ? status_policy::utc_time(static_cast<int64_t>(ms / 1000)) : "";
}

std::string iso_seconds(int64_t sec)
{
    return sec > 0 ? status_policy::utc_time(sec) : "";
}

void append_json_time(std::string &out, int64_t sec)
{
    if (sec > 0) {
        append_json_string(out, iso_seconds(sec));
    } else {
        out += "null";
    }
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

std::string rule_name(const sp_report_rule_t &r)
{
    return std::string(view(r.source)) + ":" + std::to_string(r.line);
}

std::string rule_pattern(const sp_report_rule_t &r)
{
    return modifier(r.kind) + std::string(view(r.pattern));
}

size_t spiking(const sp_report_zone_t &z)
{
    return std::count_if(z.paths, z.paths + z.npaths,
                         [](const sp_spike_path_t &p) { return p.spiking; });
}

// --- JSON -----------------------------------------------------------------

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

void json_path(std::string &out, const sp_spike_path_t &p)
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
    out += ", \"spiking\": ";
    out += p.spiking ? "true" : "false";
    json_time(out, "spike_started", p.spiking ? p.spike_start_ms : 0);
    out += ", \"spike_peak\": " + number(uint64_t{p.spike_peak});
    out += ", \"referers\": [";
    for (size_t i = 0; i < p.nreferers; i++) {
        out += i ? ", " : "";
        out += "{\"referer\": ";
        append_json_string(out, {p.referers[i].text, p.referers[i].len});
        out += ", \"count\": " + number(uint64_t{p.referers[i].count}) + "}";
    }
    out += "]}";
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
        out += ",\n   \"spikes\": [";
        bool first = true;
        for (size_t i = 0; i < zone.npaths; i++) {
            if (zone.paths[i].spiking) {
                out += first ? "" : ", ";
                append_json_string(out, path_of(zone.paths[i]));
                first = false;
            }
        }
        out += "],\n   \"top\": [";
        for (size_t i = 0; i < zone.npaths; i++) {
            out += i ? ",\n    " : "\n    ";
            json_path(out, zone.paths[i]);
        }
        out += "]}";
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

// --- HTML -----------------------------------------------------------------

void html_chart(std::string &out, const sp_report_zone_t &zone)
{
    size_t n = std::min<size_t>(zone.npaths, 20);
    uint32_t max = 1;
    for (size_t i = 0; i < n; i++) {
        max = std::max(max, zone.paths[i].window_count);
    }
    int row = 22, label = 360, width = 360;
    out += "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\""
           + std::to_string(label + width + 60) + "\" height=\""
           + std::to_string(row * std::max<size_t>(n, 1) + 10)
           + "\" role=\"img\" aria-label=\"top paths\">\n";
    for (size_t i = 0; i < n; i++) {
        const sp_spike_path_t &p = zone.paths[i];
        int y = static_cast<int>(i) * row + 5;
        int w = static_cast<int>(
            static_cast<double>(p.window_count) / max * width);
        std::string text(path_of(p).substr(0, 48));
        out += "<text x=\"" + std::to_string(label - 6) + "\" y=\""
               + std::to_string(y + 15)
               + "\" text-anchor=\"end\" font-size=\"12\">";
        append_html(out, text);
        out += "</text><rect x=\"" + std::to_string(label) + "\" y=\""
               + std::to_string(y + 3) + "\" width=\""
               + std::to_string(std::max(w, 1)) + "\" height=\""
               + std::to_string(row - 6) + "\" fill=\""
               + (p.spiking ? "#c0392b" : "#2e86c1") + "\"/>";
        out += "<text x=\"" + std::to_string(label + std::max(w, 1) + 4)
               + "\" y=\"" + std::to_string(y + 15) + "\" font-size=\"12\">"
               + std::to_string(p.window_count) + "</text>\n";
    }
    out += "</svg>\n";
}

void html_zone(std::string &out, const sp_report_zone_t &zone)
{
    out += "<h2>Zone ";
    append_html(out, view(zone.name));
    out += "</h2>\n<p>window " + number(zone.cfg.window_ms / 1000.0)
           + " s, threshold " + std::to_string(zone.cfg.threshold)
           + ", factor " + number(zone.cfg.factor) + "; "
           + std::to_string(zone.stats.used) + " of "
           + std::to_string(zone.stats.capacity) + " paths tracked, "
           + std::to_string(zone.stats.counted) + " responses counted, "
           + std::to_string(zone.stats.evicted) + " paths let go, "
           + std::to_string(zone.stats.filtered)
           + " first hits of new paths not admitted.</p>\n";

    out += "<h3>Spiking now</h3>\n<ul class=\"spikes\">";
    size_t spikes = 0;
    for (size_t i = 0; i < zone.npaths; i++) {
        const sp_spike_path_t &p = zone.paths[i];
        if (!p.spiking) {
            continue;
        }
        spikes++;
        out += "<li><code>";
        append_html(out, path_of(p));
        out += "</code>: " + std::to_string(p.window_count)
               + " in the window, peak " + std::to_string(p.spike_peak)
               + ", since " + iso_time(p.spike_start_ms) + "</li>";
    }
    out += spikes ? "</ul>\n" : "<li>none</li></ul>\n";

    out += "<h3>Top paths in the current window</h3>\n";
    html_chart(out, zone);

    out += "<table>\n<tr><th>path</th><th>code</th><th>window</th>"
           "<th>total</th><th>baseline</th><th>last seen</th>"
           "<th>top referers</th></tr>\n";
    for (size_t i = 0; i < zone.npaths; i++) {
        const sp_spike_path_t &p = zone.paths[i];
        out += p.spiking ? "<tr class=\"spiking\"><td><code>"
                         : "<tr><td><code>";
        append_html(out, path_of(p));
        out += p.truncated ? "&hellip;" : "";
        out += "</code></td><td>" + std::to_string(p.code) + "</td><td>"
               + std::to_string(p.window_count) + "</td><td>"
               + std::to_string(p.total) + "</td><td>" + number(p.baseline)
               + "</td><td>" + iso_time(p.last_seen_ms) + "</td><td>";
        for (size_t k = 0; k < p.nreferers; k++) {
            out += k ? "<br>" : "";
            append_html(out, {p.referers[k].text, p.referers[k].len});
            out += " (" + std::to_string(p.referers[k].count) + ")";
        }
        out += "</td></tr>\n";
    }
    out += "</table>\n";
}

std::string render_html(const sp_report_t &r)
{
    std::string out =
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n"
        "<title>status_policy report</title>\n<style>\n"
        "body { font-family: sans-serif; margin: 1.5em; color: #222; }\n"
        "table { border-collapse: collapse; margin: 0.5em 0 1.5em; }\n"
        "th, td { border: 1px solid #ccc; padding: 3px 8px; "
        "text-align: left; vertical-align: top; }\n"
        "tr.spiking td { background: #fdecea; }\n"
        "code { word-break: break-all; }\n"
        "</style></head><body>\n<h1>status_policy report</h1>\n<p>"
        + iso_time(r.now_ms) + "</p>\n";
    for (size_t z = 0; z < r.nzones; z++) {
        html_zone(out, r.zones[z]);
    }
    out += "<h2>Rules</h2>\n<p>" + number(uint64_t{r.rules_total})
           + " rules, " + number(uint64_t{r.rules_never_hit})
           + " never hit";
    if (r.hits_since > 0) {
        out += " since " + iso_seconds(r.hits_since);
    }
    out += ".</p>\n<table>\n<tr><th>rule</th><th>code</th>"
           "<th>pattern</th><th>hits</th><th>first hit</th>"
           "<th>last hit</th></tr>\n";
    for (size_t i = 0; i < r.nrules; i++) {
        const sp_report_rule_t &rule = r.rules[i];
        out += "<tr><td>";
        append_html(out, rule_name(rule));
        out += "</td><td>" + std::to_string(rule.code) + "</td><td><code>";
        append_html(out, rule_pattern(rule));
        out += "</code></td><td>" + number(rule.hits.hits) + "</td><td>"
               + iso_seconds(rule.hits.first) + "</td><td>"
               + iso_seconds(rule.hits.last) + "</td></tr>\n";
    }
    out += "</table>\n</body></html>\n";
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
        case SP_REPORT_HTML: out = render_html(*report); break;
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
