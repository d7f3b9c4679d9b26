// Escaping for each report format, and the report's shape.

#include "escape.hpp"
#include "status_policy_core.h"

#include <gtest/gtest.h>

#include <cstring>
#include <string>
#include <vector>

namespace {

std::string json(const std::string &s)
{
    std::string out;
    status_policy::append_json_string(out, s);
    return out;
}

std::string html(const std::string &s)
{
    std::string out;
    status_policy::append_html(out, s);
    return out;
}

std::string label(const std::string &s)
{
    std::string out;
    status_policy::append_prometheus_label(out, s);
    return out;
}

TEST(Escape, Json)
{
    EXPECT_EQ(json("/plain"), "\"/plain\"");
    EXPECT_EQ(json("a\"b\\c"), "\"a\\\"b\\\\c\"");
    EXPECT_EQ(json("\n\r\t\x01\x7f"), "\"\\u000A\\u000D\\u0009\\u0001\\u007F\"");
    EXPECT_EQ(json("</script>&"), "\"\\u003C/script\\u003E\\u0026\"");
    EXPECT_EQ(json("caf\xC3\xA9"), "\"caf\xC3\xA9\"") << "valid UTF-8 kept";
    EXPECT_EQ(json("\xFF\xC3"), "\"\\ufffd\\ufffd\"") << "invalid UTF-8";
    EXPECT_EQ(json("\xE0\x80\xAF"), "\"\\ufffd\\ufffd\\ufffd\"") << "overlong";
    EXPECT_EQ(json("\xED\xA0\x80"), "\"\\ufffd\\ufffd\\ufffd\"") << "surrogate";
}

TEST(Escape, Html)
{
    EXPECT_EQ(html("<img src=x onerror='a'>&\""),
              "&lt;img src=x onerror=&#39;a&#39;&gt;&amp;&quot;");
    EXPECT_EQ(html("a\nb\x01"), "a\xEF\xBF\xBD" "b\xEF\xBF\xBD");
    EXPECT_EQ(html("\xFF"), "\xEF\xBF\xBD");
    EXPECT_EQ(html("\xE2\x82\xAC"), "\xE2\x82\xAC");
}

TEST(Escape, PrometheusLabel)
{
    EXPECT_EQ(label("/a b"), "/a b");
    EXPECT_EQ(label("a\"b\\c"), "a\\\"b\\\\c");
    EXPECT_EQ(label("a\nb}"), "a%0Ab}");
    EXPECT_EQ(label("100%\xFF"), "100%25%FF");
}

struct Report {
    sp_spike_path_t path{};
    int codes[2] = {404, 410};
    sp_report_zone_t zone{};
    sp_report_rule_t rule{};
    sp_report_t report{};

    Report()
    {
        const char *key = "example.com/<b>\"evil\"\n";
        std::memcpy(path.key, key, std::strlen(key));
        path.key_len = std::strlen(key);
        path.code = 404;
        path.window_count = 87;
        path.total = 90;
        path.baseline = 0.4;
        path.spiking = 1;
        path.spike_start_ms = 1700000000000;
        path.last_seen_ms = 1700000001000;
        path.nreferers = 1;
        std::strcpy(path.referers[0].text, "https://r.example/\"x</td>");
        path.referers[0].len = std::strlen(path.referers[0].text);
        path.referers[0].count = 61;

        zone.name = {"spikes", 6};
        zone.cfg = {60000, 20, 5, 1, 2, {404, 410}, 100, 10, 0};
        zone.codes = codes;
        zone.ncodes = 2;
        zone.stats = {1000, 1, 90, 0, 7, 16, 0, 0, 0};
        zone.paths = &path;
        zone.npaths = 1;

        rule.source = {"/etc/nginx/retired.rules", 24};
        rule.line = 12;
        rule.code = 410;
        rule.kind = SP_KIND_EXACT;
        rule.pattern = {"/old", 4};
        rule.hits = {5, 1700000000, 1700000001};

        report.now_ms = 1700000002000;
        report.zones = &zone;
        report.nzones = 1;
        report.rules = &rule;
        report.nrules = 1;
        report.rules_total = 40;
        report.rules_never_hit = 39;
        report.hits_since = 1690000000;
    }

    std::string render(int format)
    {
        size_t n = 0;
        EXPECT_EQ(sp_report_render(&report, format, nullptr, 0, &n), SP_OK);
        std::string out(n, '\0');
        size_t wrote = 0;
        EXPECT_EQ(sp_report_render(&report, format, out.data(), n, &wrote),
                  SP_OK);
        EXPECT_EQ(wrote, n);
        return out;
    }
};

TEST(Report, Json)
{
    Report r;
    std::string out = r.render(SP_REPORT_JSON);
    EXPECT_NE(out.find("\"time\": \"2023-11-14T22:13:22Z\""), std::string::npos);
    EXPECT_NE(out.find("\"path\": \"example.com/\\u003Cb\\u003E\\\"evil\\\"\\u000A\""),
              std::string::npos) << out;
    EXPECT_NE(out.find("\"window_count\": 87"), std::string::npos);
    EXPECT_NE(out.find("\"evicted\": 0, \"filtered\": 7"), std::string::npos)
        << out;
    EXPECT_NE(out.find("\"spikes\": [\"example.com/"), std::string::npos);
    EXPECT_NE(out.find("{\"rule\": \"/etc/nginx/retired.rules:12\", \"code\": "
                       "410, \"pattern\": \"= /old\", \"hits\": 5, "
                       "\"first_hit\": \"2023-11-14T22:13:20Z\", "
                       "\"last_hit\": \"2023-11-14T22:13:21Z\"}"),
              std::string::npos) << out;
    EXPECT_NE(out.find("\"rules_total\": 40, \"rules_never_hit\": 39, "
                       "\"hits_since\": \"2023-07-22T04:26:40Z\""),
              std::string::npos) << out;
    size_t from = out.find("\"path\""), to = out.find("\"referers\"");
    EXPECT_EQ(out.substr(from, to - from).find('\n'), std::string::npos)
        << "no raw newline inside the path entry";
}

TEST(Report, Prometheus)
{
    Report r;
    std::string out = r.render(SP_REPORT_PROMETHEUS);
    EXPECT_NE(out.find("# TYPE status_policy_zone_counted_total counter\n"
                       "status_policy_zone_counted_total{zone=\"spikes\"} 90\n"),
              std::string::npos) << out;
    EXPECT_NE(out.find("# TYPE status_policy_zone_filtered_total counter\n"
                       "status_policy_zone_filtered_total{zone=\"spikes\"} 7\n"),
              std::string::npos) << out;
    EXPECT_NE(out.find("status_policy_path_window_hits{zone=\"spikes\","
                       "path=\"example.com/<b>\\\"evil\\\"%0A\",code=\"404\"} 87\n"),
              std::string::npos) << out;
    EXPECT_NE(out.find("status_policy_rule_hits_total{rule=\"/etc/nginx/"
                       "retired.rules:12\",code=\"410\"} 5\n"),
              std::string::npos) << out;
    EXPECT_NE(out.find("# TYPE status_policy_rule_last_hit_timestamp_seconds "
                       "gauge\nstatus_policy_rule_last_hit_timestamp_seconds"
                       "{rule=\"/etc/nginx/retired.rules:12\",code=\"410\"} "
                       "1700000001\n"),
              std::string::npos) << out;
    EXPECT_NE(out.find("\nstatus_policy_rules 40\n"), std::string::npos);
    EXPECT_NE(out.find("\nstatus_policy_rules_never_hit 39\n"),
              std::string::npos);
}

TEST(Report, Html)
{
    Report r;
    std::string out = r.render(SP_REPORT_HTML);
    EXPECT_EQ(out.rfind("<!DOCTYPE html>", 0), 0u);
    EXPECT_NE(out.find("<svg"), std::string::npos);
    EXPECT_EQ(out.find("<b>"), std::string::npos) << "request bytes escaped";
    EXPECT_EQ(out.find("</td>\""), std::string::npos);
    EXPECT_NE(out.find("example.com/&lt;b&gt;&quot;evil&quot;"),
              std::string::npos);
    EXPECT_NE(out.find("https://r.example/&quot;x&lt;/td&gt; (61)"),
              std::string::npos);
    EXPECT_EQ(out.find("http://", 0), out.find("http://www.w3.org/2000/svg"))
        << "no external assets";
    EXPECT_NE(out.find("40 rules, 39 never hit since 2023-07-22T04:26:40Z"),
              std::string::npos) << out;
    EXPECT_NE(out.find("<td data-v=\"5\">5</td><td>2023-11-14T22:13:20Z</td>"
                       "<td>2023-11-14T22:13:21Z</td>"),
              std::string::npos) << out;
}

TEST(Report, SizeIsReportedWhenTheBufferIsShort)
{
    Report r;
    char small[10];
    size_t n = 0;
    EXPECT_EQ(sp_report_render(&r.report, SP_REPORT_JSON, small,
                               sizeof(small), &n),
              SP_OK);
    EXPECT_GT(n, sizeof(small));
    EXPECT_EQ(std::string(small, 9), "{\"time\": ");
}

TEST(Report, LengthQueryWritesNothing)
{
    Report r;
    for (int format : {SP_REPORT_JSON, SP_REPORT_PROMETHEUS, SP_REPORT_HTML}) {
        size_t n = 12345;
        EXPECT_EQ(sp_report_render(&r.report, format, nullptr, 0, &n), SP_OK)
            << format;
        EXPECT_EQ(n, r.render(format).size()) << format;

        // a buffer one byte short: the first n - 1 bytes, nothing past them
        std::vector<char> buf(n + 16, '\x5a');
        size_t again = 0;
        EXPECT_EQ(sp_report_render(&r.report, format, buf.data(), n - 1,
                                   &again),
                  SP_OK);
        EXPECT_EQ(again, n);
        EXPECT_EQ(std::string(buf.data(), n - 1),
                  r.render(format).substr(0, n - 1));
        for (size_t i = n - 1; i < buf.size(); i++) {
            ASSERT_EQ(buf[i], '\x5a') << format << ": byte " << i;
        }
    }
}

}  // namespace
