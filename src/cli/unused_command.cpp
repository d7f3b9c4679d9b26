#include "unused_command.hpp"

#include <algorithm>
#include <climits>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <map>
#include <string>
#include <tuple>
#include <vector>

#include "error.hpp"
#include "escape.hpp"
#include "hits_state.hpp"
#include "printable.hpp"
#include "rules.hpp"
#include "utc_time.hpp"

namespace check_tool {

namespace {

using status_policy::HitsState;
using status_policy::Kind;
using status_policy::RuleHits;

// A file as nginx and the command line may name it differently.
std::string canonical(const std::string &path)
{
    char buf[PATH_MAX];
    return ::realpath(path.c_str(), buf) ? std::string(buf) : path;
}

std::string date(int64_t t)
{
    return t > 0 ? status_policy::utc_time(t) : "never";
}

// A token as a rules file reads it back: quoted when it holds a blank, a
// quote, '#' or ';', or is empty.
std::string token(std::string_view s)
{
    bool plain = !s.empty()
                 && s.find_first_of(" \t\r\n\"'#;\\") == std::string::npos;
    if (plain) {
        return std::string(s);
    }
    std::string out = "\"";
    for (char c : s) {
        if (c == '"' || c == '\\') {
            out += '\\';
        }
        out += c;
    }
    return out + '"';
}

using RuleKey = std::tuple<std::string, int, int, std::string, std::string>;

struct Unused {
    sp_rule_info_t info;
    RuleHits hits;
};

void print_text(const std::vector<Unused> &unused, size_t total,
                const HitsState &state, int64_t cutoff)
{
    std::printf("# %zu of %zu rules with no hit %s%s (counted since %s, "
                "written %s)\n",
                unused.size(), total, cutoff ? "since " : "",
                cutoff ? date(cutoff).c_str() : "at all",
                date(state.started).c_str(), date(state.written).c_str());
    for (const Unused &u : unused) {
        const sp_rule_info_t &i = u.info;
        std::string mod(status_policy::modifier_text(static_cast<Kind>(i.kind)));
        std::string line = std::to_string(i.code) + (mod.empty() ? "" : " ")
                           + mod + " " + token(view(i.pattern));
        if (i.target.len) {
            line += " " + token(view(i.target));
        }
        std::string why = u.hits.hits
            ? std::to_string(u.hits.hits) + " hits, last " + date(u.hits.last)
            : std::string("never hit");
        std::string where = std::string(view(i.source)) + ":"
                            + std::to_string(i.line);
        std::printf("%s  # %s: %s\n",
                    printable(line).c_str(),
                    printable(where).c_str(), why.c_str());
    }
}

void print_json(const std::vector<Unused> &unused, size_t total,
                const HitsState &state, int64_t cutoff)
{
    using status_policy::append_json_string;
    auto time_field = [](std::string &out, int64_t t) {
        if (t > 0) {
            append_json_string(out, date(t));
        } else {
            out += "null";
        }
    };

    std::string out = "{\"rules\": " + std::to_string(total);
    out += ", \"counted_since\": ";
    time_field(out, state.started);
    out += ", \"written\": ";
    time_field(out, state.written);
    out += ", \"no_hit_since\": ";
    time_field(out, cutoff);
    out += ",\n \"unused\": [";
    for (size_t n = 0; n < unused.size(); n++) {
        const sp_rule_info_t &i = unused[n].info;
        out += n ? ",\n  " : "\n  ";
        out += "{\"rule\": ";
        append_json_string(out, std::string(view(i.source)) + ":"
                                + std::to_string(i.line));
        out += ", \"code\": " + std::to_string(i.code) + ", \"modifier\": ";
        append_json_string(out, status_policy::modifier_text(
                                    static_cast<Kind>(i.kind)));
        out += ", \"pattern\": ";
        append_json_string(out, view(i.pattern));
        out += ", \"target\": ";
        append_json_string(out, view(i.target));
        out += ", \"hits\": " + std::to_string(unused[n].hits.hits);
        out += ", \"last_hit\": ";
        time_field(out, unused[n].hits.last);
        out += "}";
    }
    out += "]}\n";
    std::fputs(out.c_str(), stdout);
}

} // namespace

int list_unused(const sp_ruleset_t *rs, const std::vector<std::string> &files,
                const std::string &state_path, const Options &options)
{
    HitsState state;
    try {
        state = status_policy::read_hits_state(state_path);
    } catch (const status_policy::Error &e) {
        std::fprintf(stderr, "status-policy-check: %s: %s\n",
                     state_path.c_str(), e.message().c_str());
        return 1;
    }

    // every file must be one the nginx that wrote the state has loaded
    std::map<std::string, size_t> loaded;
    for (const auto &[file, rules] : state.sources) {
        loaded[canonical(file)] += rules;
    }
    bool known = true;
    for (const std::string &file : files) {
        if (loaded.count(canonical(file)) == 0) {
            std::fprintf(stderr, "status-policy-check: %s: no rules of this "
                         "file are loaded by the nginx that wrote %s\n",
                         file.c_str(), state_path.c_str());
            known = false;
        }
    }
    if (!known) {
        return 1;
    }

    // a rule at several levels: its hits added up, its latest hit kept
    std::map<RuleKey, RuleHits> hits;
    for (const status_policy::StateRule &r : state.rules) {
        RuleHits &h = hits[{canonical(r.source), r.code,
                            static_cast<int>(r.kind), r.pattern, r.target}];
        h.hits += r.hits.hits;
        h.last = std::max(h.last, r.hits.last);
    }

    int64_t now = static_cast<int64_t>(std::time(nullptr));
    int64_t cutoff = options.since ? now - options.since : 0;
    if (cutoff && state.started > cutoff) {
        std::fprintf(stderr, "status-policy-check: warning: %s counts hits "
                     "since %s only, not for all of --since\n",
                     state_path.c_str(), date(state.started).c_str());
    }

    std::map<std::string, std::string> canonical_of;
    std::vector<Unused> unused;
    size_t total = sp_ruleset_count(rs);
    for (uint32_t k = 0; k < total; k++) {
        sp_rule_info_t info;
        if (sp_ruleset_rule(rs, k, &info) != SP_OK) {
            continue;
        }
        std::string source(view(info.source));
        auto c = canonical_of.try_emplace(source, canonical(source)).first;
        auto it = hits.find({c->second, info.code, info.kind,
                             std::string(view(info.pattern)),
                             std::string(view(info.target))});
        RuleHits h = it == hits.end() ? RuleHits{} : it->second;
        if (h.hits == 0 || (cutoff && h.last < cutoff)) {
            unused.push_back({info, h});
        }
    }

    if (options.json) {
        print_json(unused, total, state, cutoff);
    } else {
        print_text(unused, total, state, cutoff);
    }
    return 0;
}

} // namespace check_tool
