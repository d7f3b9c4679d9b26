// The JSON answers of status_policy_api: a rule, a page of rules, the
// state of a zone after a write, and errors naming the line.

#include <cstdio>
#include <cstring>
#include <string>

#include "c_boundary.hpp"
#include "escape.hpp"
#include "live_view.hpp"
#include "utc_time.hpp"

using status_policy::LiveView;
using status_policy::LiveRule;
using status_policy::append_json_string;

namespace {

std::string key_text(const LiveRule &r)
{
    std::string key = r.kind == status_policy::Kind::exact         ? "= "
                      : r.kind == status_policy::Kind::prefix_stop ? "^~ "
                                                                   : "";
    key += r.pattern;
    return key;
}

std::string digest_text(const LiveView &g)
{
    char buf[17];
    std::snprintf(buf, sizeof(buf), "%016llx",
                  static_cast<unsigned long long>(g.digest()));
    return buf;
}

void append_rule(std::string &out, const LiveView &g, uint32_t i)
{
    LiveRule r = g.rule(i);
    sp_rule_hits_t hits = g.hits(i);
    out += "{\"pattern\":";
    append_json_string(out, key_text(r));
    out += ",\"code\":" + std::to_string(r.code);
    if (!r.target.empty()) {
        out += ",\"target\":";
        append_json_string(out, r.target);
    }
    out += ",\"hits\":" + std::to_string(hits.hits) + ",\"last_hit\":";
    out += hits.last ? "\"" + status_policy::utc_time(hits.last) + "\""
                     : std::string("null");
    out += '}';
}

void append_zone(std::string &out, sp_str_t zone, const LiveView &g,
                 uint64_t changes)
{
    out += "\"zone\":";
    append_json_string(out, status_policy::view(zone));
    out += ",\"count\":" + std::to_string(g.count()) + ",\"digest\":\""
           + digest_text(g) + "\",\"changes\":" + std::to_string(changes);
}

int deliver(const std::string &text, char *buf, size_t size, size_t *needed)
{
    if (buf != nullptr && size) {
        std::memcpy(buf, text.data(), text.size() < size ? text.size() : size);
    }
    *needed = text.size();
    return SP_OK;
}

template <typename Fn>
int render(char *buf, size_t size, size_t *needed, Fn &&fn) noexcept
{
    *needed = 0;
    std::string out;
    int rc = status_policy::guarded(nullptr, 0, [&] { fn(out); });
    return rc == SP_OK ? deliver(out, buf, size, needed) : rc;
}

} // namespace

extern "C" {

int sp_live_json_rule(const void *generation, sp_str_t zone, uint32_t index,
                      char *buf, size_t size, size_t *needed) noexcept
{
    return render(buf, size, needed, [&](std::string &out) {
        LiveView g(generation);
        out += "{\"zone\":";
        append_json_string(out, status_policy::view(zone));
        out += ",\"rule\":";
        append_rule(out, g, index);
        out += "}\n";
    });
}

int sp_live_json_page(const void *generation, sp_str_t zone,
                      const char *after, size_t after_len, uint32_t limit,
                      uint64_t changes, char *buf, size_t size,
                      size_t *needed) noexcept
{
    return render(buf, size, needed, [&](std::string &out) {
        LiveView g(generation);
        LiveRule key;
        bool from_key = after_len
                        && status_policy::parse_live_key(
                            std::string_view(after, after_len), key);
        LiveView::Position at = g.after(from_key ? &key : nullptr);
        out += '{';
        append_zone(out, zone, g, changes);
        out += ",\"rules\":[";
        uint32_t i = 0, last = SP_NO_RULE, n = 0;
        while (n < limit && g.next(at, i)) {
            if (n++) {
                out += ',';
            }
            append_rule(out, g, i);
            last = i;
        }
        out += "],\"next\":";
        if (last != SP_NO_RULE && g.next(at, i)) {
            append_json_string(out, key_text(g.rule(last)));
        } else {
            out += "null";
        }
        out += "}\n";
    });
}

int sp_live_json_written(const void *generation, sp_str_t zone,
                         uint64_t changes, const char *what, size_t n,
                         char *buf, size_t size, size_t *needed) noexcept
{
    return render(buf, size, needed, [&](std::string &out) {
        LiveView g(generation);
        out += '{';
        append_zone(out, zone, g, changes);
        if (what != nullptr) {
            out += ",\"";
            out += what;
            out += "\":" + std::to_string(n);
        }
        out += "}\n";
    });
}

int sp_live_json_error(int status, sp_str_t error, unsigned line, char *buf,
                       size_t size, size_t *needed) noexcept
{
    return render(buf, size, needed, [&](std::string &out) {
        out += "{\"status\":" + std::to_string(status) + ",\"error\":";
        append_json_string(out, status_policy::view(error));
        if (line) {
            out += ",\"line\":" + std::to_string(line);
        }
        out += "}\n";
    });
}

} // extern "C"
