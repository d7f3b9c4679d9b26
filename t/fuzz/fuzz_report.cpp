// libFuzzer target: hostile strings (paths, referers, zone names, rule
// sources and patterns) through every report format.  Whatever the bytes,
// the output must be valid UTF-8 with no control byte but the layout's
// newlines, Prometheus lines must stay one sample each, and the HTML must
// carry no markup from the input.
//
//   make fuzz            (clang, ASan + UBSan)

#include "escape.hpp"
#include "status_policy_core.h"

#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace {

void check(bool ok)
{
    if (!ok) {
        std::abort();
    }
}

void check_text(const std::string &out)
{
    for (size_t i = 0; i < out.size();) {
        unsigned char c = static_cast<unsigned char>(out[i]);
        check(c >= 0x20 || c == '\n');
        check(c != 0x7f);
        size_t n = status_policy::utf8_sequence(out, i);
        check(n > 0);
        i += n;
    }
}

std::string render(const sp_report_t &r, int format)
{
    size_t n = 0;
    check(sp_report_render(&r, format, nullptr, 0, &n) == SP_OK);
    check(n > 0);
    std::string out(n, '\0');
    size_t wrote = 0;
    check(sp_report_render(&r, format, out.data(), n, &wrote) == SP_OK);
    check(wrote == n);
    return out;
}

// the input cut at its 0xff bytes into up to 8 strings
std::vector<std::string> pieces(std::string_view in)
{
    std::vector<std::string> out;
    size_t start = 0;
    for (size_t i = 0; i <= in.size() && out.size() < 8; i++) {
        if (i == in.size() || static_cast<unsigned char>(in[i]) == 0xff) {
            out.emplace_back(in.substr(start, i - start));
            start = i + 1;
        }
    }
    while (out.size() < 8) {
        out.emplace_back("");
    }
    return out;
}

// A report of one zone with one path, one rule and one live zone, made of
// the given strings.  It points into itself (and its copy of the strings):
// build it in place.
struct Fixture {
    std::vector<std::string> p;
    sp_spike_path_t path{};
    sp_spike_group_t group{};
    sp_spike_event_record_t event{};
    uint32_t history[4] = {1, 0, 7, 3};
    int codes[2] = {404, 410};
    sp_report_zone_t zone{};
    sp_report_rule_t rule{};
    sp_report_live_t live{};
    sp_report_t report{};

    Fixture(std::vector<std::string> strings, size_t size)
        : p(std::move(strings))
    {
        size_t klen = std::min(p[0].size(), sizeof(path.key));
        std::memcpy(path.key, p[0].data(), klen);
        path.key_len = klen;
        path.code = 404;
        path.window_count = static_cast<uint32_t>(size);
        path.spiking = size % 2;
        path.nreferers = 2;
        for (int i = 0; i < 2; i++) {
            size_t rlen = std::min(p[1 + i].size(),
                                   sizeof(path.referers[i].text));
            std::memcpy(path.referers[i].text, p[1 + i].data(), rlen);
            path.referers[i].len = rlen;
            path.referers[i].count = 1 + i;
        }

        path.history = history;

        // a group and an event named by hostile strings too
        group.kind = size % 2 ? SP_GROUP_PAGE : SP_GROUP_DEPLOY;
        group.key_len = std::min(p[6].size(), sizeof(group.key));
        std::memcpy(group.key, p[6].data(), group.key_len);
        group.spiking = static_cast<int>(size % 3);
        group.ntop_paths = group.ntop_referers = 1;
        group.top_paths[0] = path.referers[0];
        group.top_referers[0] = path.referers[1];
        group.history = history;
        event.started = size % 2;
        event.kind = static_cast<int>(size % 3);
        event.key_len = std::min(p[7].size(), sizeof(event.key));
        std::memcpy(event.key, p[7].data(), event.key_len);

        zone.name = {p[3].data(), p[3].size()};
        zone.cfg = {60000, 20, 5, 1, 2, {404, 410}, 100, 10, 4};
        zone.codes = codes;
        zone.ncodes = 2;
        zone.stats = {100, 1, 5, 0, 2, 16, 1, 3, 1700000040000};
        zone.paths = &path;
        zone.npaths = 1;
        zone.groups = &group;
        zone.ngroups = 1;
        zone.history = history;
        zone.events = &event;
        zone.nevents = 1;

        rule.source = {p[4].data(), p[4].size()};
        rule.line = 7;
        rule.code = 410;
        rule.kind = static_cast<int>(size % 5);
        rule.pattern = {p[5].data(), p[5].size()};
        rule.hits = {3, 1700000000, 1700000001};

        report.now_ms = 1700000000000;
        report.zones = &zone;
        report.nzones = 1;
        report.rules = &rule;
        report.nrules = 1;

        // a live zone, named by a hostile string
        live.name = {p[2].data(), p[2].size()};
        live.rules = size;
        live.digest = 0xfedcba9876543210ULL ^ size;
        live.changes = size / 2;
        report.live = &live;
        report.nlive = 1;
    }

    Fixture(const Fixture &) = delete;
    Fixture &operator=(const Fixture &) = delete;
};

struct PromLines {
    size_t lines = 0;
    size_t samples = 0;
    size_t families = 0;   // "# TYPE" lines
};

PromLines prom_lines(const std::string &prom)
{
    PromLines n;
    size_t start = 0;
    for (size_t i = 0; i < prom.size(); i++) {
        if (prom[i] == '\n') {
            std::string_view line(prom.data() + start, i - start);
            n.lines++;
            n.samples += line.empty() || line[0] != '#';
            n.families += line.rfind("# TYPE ", 0) == 0;
            start = i + 1;
        }
    }
    return n;
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    Fixture hostile(pieces(std::string_view(
                        reinterpret_cast<const char *>(data), size)), size);
    const sp_report_t &report = hostile.report;

    check_text(render(report, SP_REPORT_JSON));

    std::string prom = render(report, SP_REPORT_PROMETHEUS);
    check_text(prom);
    // the same report made of plain strings has one sample a family; the
    // hostile one must have as many lines of each kind: a sample or a
    // "# TYPE" line that a hostile string split or forged shows up here
    Fixture plain(std::vector<std::string>(8, "x"), size);
    PromLines want = prom_lines(render(plain.report, SP_REPORT_PROMETHEUS));
    PromLines got = prom_lines(prom);
    check(want.families >= 10 && want.samples == want.families);
    check(got.lines == want.lines);
    check(got.samples == want.samples);
    check(got.families == want.families);
    // no byte outside printable ASCII in the exposition
    for (unsigned char c : prom) {
        check(c == '\n' || (c >= 0x20 && c < 0x7f));
    }

    std::string html = render(report, SP_REPORT_HTML);
    check_text(html);
    // every tag is the page's own: as many as the same report made of
    // plain strings has, and the one script is the page's
    auto tags = [](const std::string &s) {
        return std::count(s.begin(), s.end(), '<');
    };
    check(tags(html) == tags(render(plain.report, SP_REPORT_HTML)));
    std::string lower = html;
    std::transform(lower.begin(), lower.end(), lower.begin(), ::tolower);
    check(lower.find("<script") == lower.rfind("<script"));
    check(lower.find("<img") == std::string::npos);
    check(lower.find("<iframe") == std::string::npos);
    return 0;
}
