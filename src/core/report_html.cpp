// The report as a self-contained HTML dashboard: the zones' 404 rate over
// their history, the spikes and groups now, sortable tables of groups and
// paths with a sparkline each, the last spike events and the rule hit
// counters.  It reads without scripts; with them, it fetches its own JSON
// every few seconds and draws the same page again (dashboard_script.cpp).
// Every request-derived string is escaped, here and in the script, which
// sets text only.
#include <algorithm>
#include <string>

#include "escape.hpp"
#include "report_text.hpp"

namespace status_policy::report {

extern const char kDashboardStyle[];
extern const char kDashboardScript[];

namespace {

void text(std::string &out, std::string_view s)
{
    append_html(out, s);
}

// A line over counts, in a box of w x h user units.
std::string polyline(const uint32_t *v, size_t n, double w, double h,
                     bool area)
{
    uint32_t max = 1;
    for (size_t i = 0; i < n; i++) {
        max = std::max(max, v[i]);
    }
    std::string pts;
    for (size_t i = 0; i < n; i++) {
        double x = n > 1 ? w * static_cast<double>(i) / (n - 1) : w;
        double y = h - (h - 1) * v[i] / max;
        pts += (i ? " " : "") + number(x) + "," + number(y);
    }
    if (area && n > 0) {
        return "<polygon points=\"0," + number(h) + " " + pts + " "
               + number(w) + "," + number(h) + "\"/>";
    }
    return "<polyline points=\"" + pts + "\"/>";
}

void sparkline(std::string &out, const uint32_t *v, size_t n)
{
    out += "<svg class=\"spark\" viewBox=\"0 0 100 20\" "
           "preserveAspectRatio=\"none\" role=\"img\" "
           "aria-label=\"hits per window\">";
    if (v != nullptr && n > 0) {
        out += polyline(v, n, 100, 20, false);
    }
    out += "</svg>";
}

void rate_chart(std::string &out, const sp_report_zone_t &z)
{
    uint32_t n = z.cfg.history, max = 0;
    for (uint32_t i = 0; z.history && i < n; i++) {
        max = std::max(max, z.history[i]);
    }
    std::string span = number(uint64_t{n} * z.cfg.window_ms / 60000.0);
    out += "<figure class=\"rate\"><figcaption>Responses counted per window "
           "of " + number(z.cfg.window_ms / 1000.0) + " s over the last "
           + span + " min (peak <b class=\"peak\">" + std::to_string(max)
           + "</b>)</figcaption><svg viewBox=\"0 0 600 120\" "
             "preserveAspectRatio=\"none\" role=\"img\" "
             "aria-label=\"responses per window\">";
    if (z.history && n > 0) {
        out += polyline(z.history, n, 600, 120, true);
    }
    out += "</svg></figure>\n";
}

// The top paths as bars, the spiking ones red.
void bar_chart(std::string &out, const sp_report_zone_t &z)
{
    size_t n = std::min<size_t>(z.npaths, 20);
    uint32_t max = 1;
    for (size_t i = 0; i < n; i++) {
        max = std::max(max, z.paths[i].window_count);
    }
    int row = 22;
    out += "<svg class=\"bars\" viewBox=\"0 0 800 "
           + std::to_string(row * std::max<size_t>(n, 1) + 6)
           + "\" role=\"img\" aria-label=\"top paths\">\n";
    for (size_t i = 0; i < n; i++) {
        const sp_spike_path_t &p = z.paths[i];
        int y = static_cast<int>(i) * row + 3;
        int w = std::max(1, static_cast<int>(380.0 * p.window_count / max));
        out += "<text x=\"354\" y=\"" + std::to_string(y + 15)
               + "\" text-anchor=\"end\">";
        text(out, path_of(p).substr(0, 48));
        out += "</text><rect x=\"360\" y=\"" + std::to_string(y + 3)
               + "\" width=\"" + std::to_string(w) + "\" height=\""
               + std::to_string(row - 6) + "\""
               + (p.spiking ? " class=\"hot\"" : "") + "/><text x=\""
               + std::to_string(364 + w) + "\" y=\"" + std::to_string(y + 15)
               + "\">" + std::to_string(p.window_count) + "</text>\n";
    }
    out += "</svg>\n";
}

void top_list(std::string &out, const sp_spike_top_t *top, size_t n)
{
    for (size_t k = 0; k < n; k++) {
        out += k ? "<br>" : "";
        text(out, text_of(top[k]));
        out += " (" + std::to_string(top[k].count) + ")";
    }
}

const char *state_class(int spiking)
{
    return spiking == SP_SPIKE_LOGGED   ? " class=\"spiking\""
           : spiking == SP_SPIKE_FOLDED ? " class=\"folded\""
                                        : "";
}

std::string cell(const std::string &v)
{
    return "<td data-v=\"" + v + "\">" + v + "</td>";
}

void incidents(std::string &out, const sp_report_zone_t &z)
{
    out += "<h3>Spiking now</h3>\n<ul class=\"incidents\">";
    size_t n = 0, folded = 0;
    for (size_t i = 0; i < z.ngroups; i++) {
        const sp_spike_group_t &g = z.groups[i];
        if (g.spiking == SP_SPIKE_FOLDED) {
            folded++;
        }
        if (g.spiking != SP_SPIKE_LOGGED) {
            continue;
        }
        n++;
        out += g.kind == SP_GROUP_PAGE
                   ? "<li class=\"page\"><span class=\"tag\">broken page"
                     "</span> from referer <code>"
                   : "<li class=\"deploy\"><span class=\"tag\">broken "
                     "deploy</span> under <code>";
        text(out, key_of(g));
        out += "</code>: " + std::to_string(g.window_count) + " across "
               + std::to_string(g.paths) + " paths, peak "
               + std::to_string(g.spike_peak) + ", since "
               + iso_time(g.spike_start_ms) + "</li>";
    }
    for (size_t i = 0; i < z.npaths; i++) {
        const sp_spike_path_t &p = z.paths[i];
        if (p.spiking == SP_SPIKE_FOLDED) {
            folded++;
        }
        if (p.spiking != SP_SPIKE_LOGGED) {
            continue;
        }
        n++;
        out += "<li class=\"path\"><span class=\"tag\">path</span> <code>";
        text(out, path_of(p));
        out += "</code>: " + std::to_string(p.window_count)
               + " in the window, peak " + std::to_string(p.spike_peak)
               + ", since " + iso_time(p.spike_start_ms) + "</li>";
    }
    if (n == 0) {
        out += "<li class=\"none\">none</li>";
    }
    out += "</ul>\n";
    if (folded) {
        out += "<p class=\"note\">" + std::to_string(folded)
               + " more spiking, folded into the incidents above.</p>\n";
    }
}

void groups_table(std::string &out, const sp_report_zone_t &z)
{
    out += "<h3>Groups</h3>\n<div class=\"scroll\"><table class=\"groups\">"
           "<thead><tr><th>kind</th><th>group</th><th data-num>window</th>"
           "<th data-num>paths</th><th data-num>referers</th>"
           "<th data-num>total</th><th>top paths / referers</th>"
           "<th>history</th></tr></thead><tbody>\n";
    for (size_t i = 0; i < z.ngroups; i++) {
        const sp_spike_group_t &g = z.groups[i];
        out += "<tr";
        out += state_class(g.spiking);
        out += "><td>";
        out += group_kind(g.kind);
        out += "</td><td><code>";
        text(out, key_of(g));
        out += "</code></td>" + cell(std::to_string(g.window_count))
               + cell(std::to_string(g.paths))
               + cell(std::to_string(g.referers))
               + cell(std::to_string(g.total)) + "<td>";
        if (g.kind == SP_GROUP_PAGE) {
            top_list(out, g.top_paths, g.ntop_paths);
        } else {
            top_list(out, g.top_referers, g.ntop_referers);
        }
        out += "</td><td>";
        sparkline(out, g.history, z.cfg.history);
        out += "</td></tr>\n";
    }
    out += "</tbody></table></div>\n";
}

void paths_table(std::string &out, const sp_report_zone_t &z)
{
    out += "<h3>Top paths</h3>\n";
    bar_chart(out, z);
    out += "<div class=\"scroll\"><table class=\"paths\"><thead><tr>"
           "<th>path</th><th data-num>code</th><th data-num>window</th>"
           "<th data-num>total</th><th data-num>baseline</th>"
           "<th>last seen</th><th>top referers</th><th>history</th></tr>"
           "</thead><tbody>\n";
    for (size_t i = 0; i < z.npaths; i++) {
        const sp_spike_path_t &p = z.paths[i];
        out += "<tr";
        out += state_class(p.spiking);
        out += "><td><code>";
        text(out, path_of(p));
        out += p.truncated ? "&hellip;" : "";
        out += "</code></td>" + cell(std::to_string(p.code))
               + cell(std::to_string(p.window_count))
               + cell(std::to_string(p.total)) + cell(number(p.baseline))
               + "<td>" + iso_time(p.last_seen_ms) + "</td><td>";
        top_list(out, p.referers, p.nreferers);
        out += "</td><td>";
        sparkline(out, p.history, z.cfg.history);
        out += "</td></tr>\n";
    }
    out += "</tbody></table></div>\n";
}

void events_list(std::string &out, const sp_report_zone_t &z)
{
    out += "<h3>Spike events</h3>\n<ol class=\"events\">";
    for (size_t i = z.nevents; i-- > 0;) {
        const sp_spike_event_record_t &e = z.events[i];
        out += "<li><time>" + iso_time(e.time_ms) + "</time> ";
        out += e.started ? "start" : "end";
        out += " <span class=\"tag\">";
        out += group_kind(e.kind);
        out += "</span> <code>";
        text(out, {e.key, e.key_len});
        out += "</code> " + std::to_string(e.count);
        out += e.started ? "" : " at the peak, after "
                                + std::to_string(e.length_ms / 1000) + " s";
        out += "</li>";
    }
    out += z.nevents ? "</ol>\n" : "<li class=\"none\">none</li></ol>\n";
}

void zone_section(std::string &out, const sp_report_zone_t &z)
{
    out += "<section class=\"zone\"><h2>Zone <span>";
    text(out, view(z.name));
    out += "</span></h2>\n<p class=\"summary\"><b class=\"counted\">"
           + std::to_string(z.stats.counted)
           + "</b> responses counted, <b class=\"window\">"
           + std::to_string(z.stats.window_count)
           + "</b> in the current window of "
           + number(z.cfg.window_ms / 1000.0) + " s; spike at "
           + std::to_string(z.cfg.threshold) + " (groups "
           + std::to_string(z.cfg.group_threshold) + " across "
           + std::to_string(z.cfg.group_paths) + " paths), factor "
           + number(z.cfg.factor) + "; " + std::to_string(z.stats.used)
           + " of " + std::to_string(z.stats.capacity) + " paths and "
           + std::to_string(z.stats.groups) + " of "
           + std::to_string(z.stats.group_capacity) + " groups tracked, "
           + std::to_string(z.stats.evicted) + " paths let go, "
           + std::to_string(z.stats.filtered)
           + " first hits of new paths not admitted.</p>\n";
    rate_chart(out, z);
    incidents(out, z);
    groups_table(out, z);
    paths_table(out, z);
    events_list(out, z);
    out += "</section>\n";
}

void rules_section(std::string &out, const sp_report_t &r)
{
    out += "<section class=\"rules\"><h2>Rules</h2>\n<p>"
           + number(uint64_t{r.rules_total}) + " rules, "
           + number(uint64_t{r.rules_never_hit}) + " never hit";
    if (r.hits_since > 0) {
        out += " since " + iso_seconds(r.hits_since);
    }
    out += ".</p>\n<div class=\"scroll\"><table class=\"rules\"><thead><tr>"
           "<th>rule</th><th data-num>code</th><th>pattern</th>"
           "<th data-num>hits</th><th>first hit</th><th>last hit</th></tr>"
           "</thead><tbody>\n";
    for (size_t i = 0; i < r.nrules; i++) {
        const sp_report_rule_t &rule = r.rules[i];
        out += "<tr><td>";
        text(out, rule_name(rule));
        out += "</td>" + cell(std::to_string(rule.code)) + "<td><code>";
        text(out, rule_pattern(rule));
        out += "</code></td>" + cell(number(rule.hits.hits)) + "<td>"
               + iso_seconds(rule.hits.first) + "</td><td>"
               + iso_seconds(rule.hits.last) + "</td></tr>\n";
    }
    out += "</tbody></table></div></section>\n";
}

} // namespace

std::string render_html(const sp_report_t &r)
{
    std::string out =
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n"
        "<meta name=\"viewport\" content=\"width=device-width, "
        "initial-scale=1\">\n<title>status_policy report</title>\n<style>\n";
    out += kDashboardStyle;
    out += "</style></head><body>\n<header><h1>status_policy</h1><p>"
           "<time id=\"time\">" + iso_time(r.now_ms)
           + "</time> <span id=\"live\">(reload the page to update)</span>"
             "</p></header>\n<main id=\"report\">\n";
    for (size_t z = 0; z < r.nzones; z++) {
        zone_section(out, r.zones[z]);
    }
    rules_section(out, r);
    out += "</main>\n<script>\n";
    out += kDashboardScript;
    out += "</script>\n</body></html>\n";
    return out;
}

} // namespace status_policy::report
