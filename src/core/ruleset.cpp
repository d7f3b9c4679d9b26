#include "ruleset.hpp"

#include <algorithm>
#include <cstring>

#include "case_fold.hpp"
#include "error.hpp"
#include "file_text.hpp"
#include "redirect.hpp"
#include "rules_file.hpp"

namespace status_policy {

namespace {

std::string quoted(std::string_view s)
{
    std::string out = "\"";
    out.append(s);
    out += '"';
    return out;
}

} // namespace

void Ruleset::add(const std::string_view *args, size_t nargs,
                  std::string_view source, unsigned line)
{
    if (compiled_) {
        throw Error("rules added after compilation");
    }
    uint16_t id = source_id(source);
    insert(check(args, nargs), id, line);
}

void Ruleset::add_file(const std::string &path)
{
    if (compiled_) {
        throw Error("rules added after compilation");
    }

    // The file is read into the text arena itself: patterns and targets
    // that are written plainly are referred to where they stand, and
    // only unescaped quoted tokens are copied, into the room reserved
    // behind the file (they are never longer than their source).
    size_t start = text_.size();
    try {
        append_file_text(path, text_, 1);
    } catch (const Error &e) {
        text_.truncate(start);
        throw Error(path + ": " + e.message());
    }
    if (text_.size() > UINT32_MAX) {
        text_.truncate(start);
        throw Error(path + ": rules take more than 4 GiB");
    }
    std::string_view text(text_.data() + start, text_.size() - start);

    // Room for every rule at once: there is at most one rule a line.
    size_t lines = static_cast<size_t>(
        std::count(text.begin(), text.end(), '\n')) + 1;
    if (rules_.size() + lines > rules_.capacity()) {
        rules_.reserve(std::max(rules_.size() + lines, 2 * rules_.capacity()));
    }

    uint16_t source = source_id(path);
    RulesFileReader reader(text);
    RulesFileReader::Line line;
    auto at_line = [&](const std::string &reason) {
        return Error(path + ":" + std::to_string(line.number) + ": "
                     + reason);
    };

    while (reader.next(line)) {
        Checked rule;
        try {
            rule = check(line.tokens.data(), line.count);
        } catch (const Error &e) {
            throw at_line(e.message());
        }
        insert(std::move(rule), source, line.number);
    }
    if (!reader.error().empty()) {
        throw at_line(reader.error());
    }
}

Ruleset::Checked Ruleset::check(const std::string_view *args,
                                size_t nargs) const
{
    Checked rule;
    parse_rule(args, nargs, rule.syntax);

    if (rules_.size() >= SP_NO_RULE - 1) {
        throw Error("too many rules");
    }

    const RuleSyntax &syntax = rule.syntax;
    if (is_regex(syntax.kind)) {
        rule.regex = RegexSet::compile(syntax.pattern,
                                       syntax.kind == Kind::regex_caseless,
                                       syntax.target, syntax.highest_capture);
    }
    return rule;
}

void Ruleset::insert(Checked checked, uint16_t source, unsigned line)
{
    auto index = static_cast<uint32_t>(rules_.size());
    const RuleSyntax &syntax = checked.syntax;

    // Everything that may throw comes before the rule joins the list, and
    // its regex joins the set last, so that the set never holds a regex
    // without its rule.
    if (rules_.size() == rules_.capacity()) {
        rules_.reserve(rules_.size() * 2 + 16);
    }

    Rule rule;
    rule.pattern = store(syntax.pattern);
    rule.target = store(syntax.target);
    rule.line = line;
    rule.source = source;
    rule.code = static_cast<int16_t>(syntax.code);
    rule.kind = syntax.kind;
    rule.regex_captures = static_cast<uint8_t>(syntax.highest_capture);

    if (is_regex(syntax.kind)) {
        regexes_.add(std::move(checked.regex), syntax.pattern,
                     syntax.kind == Kind::regex_caseless, index);
    }

    rules_.push_back(rule);
}

void Ruleset::compile(bool ignore_case)
{
    if (compiled_) {
        return;
    }

    size_t exact_count = 0;
    size_t prefix_bytes = 0;
    for (const Rule &r : rules_) {
        exact_count += r.kind == Kind::exact;
        prefix_bytes += is_prefix(r.kind) ? r.pattern.length : 0;
    }

    auto key_of = [this](uint32_t rule) { return pattern(rule); };

    exact_.reserve(exact_count, ignore_case);
    for (uint32_t i = 0; i < rules_.size(); i++) {
        if (rules_[i].kind != Kind::exact) {
            continue;
        }
        uint32_t first = exact_.insert(pattern(i), i, key_of);
        if (first != ExactIndex::none) {
            throw Error(duplicate(i, first));
        }
    }

    // Under ignore_case the trie holds folded keys and folds paths.
    std::vector<PrefixTrie::Key> keys;
    std::string folded_keys;
    folded_keys.reserve(ignore_case ? prefix_bytes : 0);
    for (uint32_t i = 0; i < rules_.size(); i++) {
        if (!is_prefix(rules_[i].kind)) {
            continue;
        }
        std::string_view key = pattern(i);
        if (ignore_case) {
            size_t at = folded_keys.size();
            for (char c : key) {
                folded_keys += static_cast<char>(
                    fold(static_cast<unsigned char>(c)));
            }
            key = std::string_view(folded_keys).substr(at);
        }
        keys.push_back({key, i});
    }

    std::stable_sort(keys.begin(), keys.end(),
                     [](const PrefixTrie::Key &a, const PrefixTrie::Key &b) {
                         return a.bytes < b.bytes;
                     });
    check_duplicates(keys);

    prefixes_.build(std::move(keys), ignore_case);
    regexes_.build(check_only_ ? RegexSet::Engine::check_only
                               : RegexSet::Engine::automatic);

    // Giving back the room reserved per line would copy every rule: do it
    // only when comments and blank lines left much of it unused.  The
    // text arena is not shrunk: what it left unused was never touched.
    if (rules_.capacity() - rules_.size() > rules_.size() / 8) {
        rules_.shrink_to_fit();
    }
    compiled_ = true;
}

void Ruleset::check_duplicates(
    const std::vector<PrefixTrie::Key> &sorted) const
{
    for (size_t i = 1; i < sorted.size(); i++) {
        if (sorted[i].bytes == sorted[i - 1].bytes) {
            throw Error(duplicate(sorted[i].value, sorted[i - 1].value));
        }
    }
}

std::string Ruleset::duplicate(uint32_t later, uint32_t first) const
{
    if (later < first) {
        std::swap(later, first);
    }
    return "duplicate rule " + quoted(pattern(later)) + " at " + where(later)
           + ", first at " + where(first);
}

std::string Ruleset::where(uint32_t rule) const
{
    return sources_[rules_[rule].source] + ":"
           + std::to_string(rules_[rule].line);
}

bool Ruleset::match(const char *path, size_t len, sp_match_t &m,
                    const LiveView *live) const
{
    m.rule = SP_NO_RULE;
    m.limit_rule = SP_NO_RULE;
    m.prefix_len = 0;
    m.ncaptures = 0;
    m.zone = 0;

    if (!compiled_) {
        return false;
    }

    // the zone's rule, exact or its longest prefix
    size_t live_len = 0;
    Kind live_kind = Kind::prefix;
    uint32_t live_rule = live ? live->find(path, len, live_len, live_kind)
                              : SP_NO_RULE;

    auto from_zone = [&](size_t prefix_len) {
        m.rule = live_rule;
        m.prefix_len = prefix_len;
        m.zone = 1;
        return true;
    };

    if (live_rule != SP_NO_RULE && live_kind == Kind::exact) {
        return from_zone(0);
    }

    auto key_of = [this](uint32_t rule) { return pattern(rule); };
    uint32_t found = exact_.find(path, len, key_of);

    if (found == ExactIndex::none) {
        uint32_t longest = SP_NO_RULE;
        prefixes_.for_each_prefix(path, len, [&](size_t length,
                                                 uint32_t rule) {
            longest = rule;
            m.prefix_len = length;
        });

        // a zone prefix at least as long is the longest prefix
        bool zone_longest = live_rule != SP_NO_RULE
                            && (longest == SP_NO_RULE
                                || live_len >= m.prefix_len);
        bool stop = zone_longest ? live_kind == Kind::prefix_stop
                                 : longest != SP_NO_RULE
                                       && rules_[longest].kind
                                              == Kind::prefix_stop;

        RegexSet::Match rm;
        if (!stop && regexes_.size() && regexes_.match(path, len, rm)) {
            found = rm.rule;
            m.prefix_len = 0;
            m.ncaptures = rm.ncaptures;
            std::memcpy(m.captures, rm.captures, sizeof(m.captures));
        } else if (zone_longest) {
            m.limit_rule = !stop && regexes_.size() ? rm.limit_rule
                                                    : SP_NO_RULE;
            return from_zone(live_len);
        } else {
            found = longest;
        }
        if (!stop && regexes_.size()) {
            m.limit_rule = rm.limit_rule;
        }
    }

    if (found == SP_NO_RULE) {
        return false;
    }

    m.rule = found;
    return true;
}

bool Ruleset::redirect(const sp_match_t &m, std::string_view path,
                       std::string_view args, char *buf, size_t size,
                       size_t &needed) const
{
    if (m.rule >= rules_.size()) {
        return false;
    }
    const Rule &rule = rules_[m.rule];

    RedirectInput in{rule.kind, text(rule.target), path, m.prefix_len,
                     m.captures, m.ncaptures, args};
    needed = expand_redirect(in, buf, size);
    return true;
}

bool Ruleset::info(uint32_t index, sp_rule_info_t &info) const noexcept
{
    if (index >= rules_.size()) {
        return false;
    }
    const Rule &rule = rules_[index];
    const std::string &source = sources_[rule.source];

    info.source = {source.data(), source.size()};
    info.line = rule.line;
    info.code = rule.code;
    info.kind = static_cast<int>(rule.kind);
    info.pattern = {text_.data() + rule.pattern.offset, rule.pattern.length};
    info.target = {text_.data() + rule.target.offset, rule.target.length};
    return true;
}

uint16_t Ruleset::source_id(std::string_view name)
{
    // Rules arrive grouped by source: look at the latest first.
    for (size_t i = sources_.size(); i-- > 0;) {
        if (sources_[i] == name) {
            return static_cast<uint16_t>(i);
        }
    }
    if (sources_.size() > UINT16_MAX) {
        throw Error("too many rule sources");
    }
    sources_.emplace_back(name);
    return static_cast<uint16_t>(sources_.size() - 1);
}

TextRef Ruleset::store(std::string_view s)
{
    // A token of a file read into the arena is referred to in place.
    if (text_.holds(s)) {
        return {static_cast<uint32_t>(s.data() - text_.data()),
                static_cast<uint32_t>(s.size())};
    }
    if (text_.size() + s.size() > UINT32_MAX) {
        throw Error("rules take more than 4 GiB");
    }
    TextRef ref{static_cast<uint32_t>(text_.size()),
                static_cast<uint32_t>(s.size())};
    text_.append(s);
    return ref;
}

} // namespace status_policy
