#include "live_set.hpp"

#include <algorithm>

#include "error.hpp"
#include "rule_syntax.hpp"
#include "rules_file.hpp"

namespace status_policy {

bool live_before(const LiveRule &a, const LiveRule &b) noexcept
{
    if (a.pattern != b.pattern) {
        return a.pattern < b.pattern;
    }
    return !live_exact(a.kind) && live_exact(b.kind);
}

bool live_same_key(const LiveRule &a, const LiveRule &b) noexcept
{
    return a.pattern == b.pattern && live_exact(a.kind) == live_exact(b.kind);
}

bool parse_live_key(std::string_view text, LiveRule &key)
{
    key.kind = Kind::prefix;
    if (text.substr(0, 2) == "= ") {
        key.kind = Kind::exact;
        text.remove_prefix(2);
    } else if (text.substr(0, 3) == "^~ ") {
        key.kind = Kind::prefix_stop;
        text.remove_prefix(3);
    }
    key.pattern = text;
    return !text.empty() && text.front() == '/';
}

std::string_view LiveSet::keep(std::string_view s)
{
    if (s.empty()
        || (s.data() >= body_.data() && s.data() < body_.data() + body_.size())) {
        return s;
    }
    text_.emplace_back(s);
    return text_.back();
}

bool LiveSet::parse(std::string_view text, Failure &failure)
{
    body_.assign(text);
    RulesFileReader reader(body_);
    RulesFileReader::Line line;

    while (reader.next(line)) {
        RuleSyntax syntax;
        try {
            if (line.count > RulesFileReader::max_tokens) {
                line.count = RulesFileReader::max_tokens;
            }
            parse_rule(line.tokens.data(), line.count, syntax);
        } catch (const Error &e) {
            failure = {e.message(), line.number};
            return false;
        }
        if (is_regex(syntax.kind)) {
            failure = {"a zone holds exact and prefix rules, not regexes",
                       line.number};
            return false;
        }
        rules_.push_back({keep(syntax.pattern), keep(syntax.target),
                          syntax.code, syntax.kind, line.number});
    }
    if (!reader.error().empty()) {
        failure = {reader.error(), line.number};
        return false;
    }

    std::stable_sort(rules_.begin(), rules_.end(), live_before);
    for (size_t i = 1; i < rules_.size(); i++) {
        if (live_same_key(rules_[i - 1], rules_[i])) {
            const LiveRule &later = rules_[i - 1].line > rules_[i].line
                                        ? rules_[i - 1] : rules_[i];
            const LiveRule &first = &later == &rules_[i] ? rules_[i - 1]
                                                         : rules_[i];
            failure = {"duplicate rule \"" + std::string(later.pattern)
                           + "\", first at line "
                           + std::to_string(first.line),
                       later.line};
            return false;
        }
    }
    return true;
}

bool LiveSet::merge(const LiveSet &more, bool replace, unsigned &conflict)
{
    std::vector<LiveRule> merged;
    merged.reserve(rules_.size() + more.rules_.size());

    auto a = rules_.begin();
    auto b = more.rules_.begin();
    while (a != rules_.end() || b != more.rules_.end()) {
        if (b == more.rules_.end()
            || (a != rules_.end() && live_before(*a, *b))) {
            merged.push_back(*a++);
        } else if (a == rules_.end() || live_before(*b, *a)) {
            merged.push_back(*b++);
        } else {
            if (!replace) {
                conflict = b->line;
                return false;
            }
            merged.push_back(*b++);
            a++;
        }
    }

    // the strings of `more` live in `more`: keep copies
    for (LiveRule &r : merged) {
        if (r.line) {
            text_.emplace_back(r.pattern);
            r.pattern = text_.back();
            text_.emplace_back(r.target);
            r.target = text_.back();
        }
    }
    rules_ = std::move(merged);
    return true;
}

void LiveSet::put(const LiveRule &rule)
{
    LiveRule copy = rule;
    text_.emplace_back(rule.pattern);
    copy.pattern = text_.back();
    text_.emplace_back(rule.target);
    copy.target = text_.back();

    auto at = std::lower_bound(rules_.begin(), rules_.end(), copy,
                               live_before);
    if (at != rules_.end() && live_same_key(*at, copy)) {
        *at = copy;
    } else {
        rules_.insert(at, copy);
    }
}

bool LiveSet::remove(const LiveRule &key)
{
    auto at = std::lower_bound(rules_.begin(), rules_.end(), key, live_before);
    if (at == rules_.end() || !live_same_key(*at, key)) {
        return false;
    }
    rules_.erase(at);
    return true;
}

namespace {

bool needs_quotes(std::string_view token) noexcept
{
    if (token.empty() || token.front() == '#' || token.back() == ';') {
        return true;
    }
    for (char c : token) {
        if (c == ' ' || c == '\t' || c == '\r' || c == '\f' || c == '\v'
            || c == '"' || c == '\'' || c == '\\' || c == '\n') {
            return true;
        }
    }
    return false;
}

void append_token(std::string &out, std::string_view token)
{
    if (!needs_quotes(token)) {
        out += token;
        return;
    }
    out += '"';
    for (char c : token) {
        if (c == '"' || c == '\\') {
            out += '\\';
        }
        out += c;
    }
    out += '"';
}

} // namespace

void append_live_line(std::string &out, const LiveRule &rule)
{
    out += std::to_string(rule.code);
    out += rule.kind == Kind::exact         ? " = "
           : rule.kind == Kind::prefix_stop ? " ^~ "
                                            : " ";
    append_token(out, rule.pattern);
    if (!rule.target.empty()) {
        out += ' ';
        append_token(out, rule.target);
    }
    out += '\n';
}

} // namespace status_policy
