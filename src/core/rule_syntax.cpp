#include "rule_syntax.hpp"

#include "error.hpp"

namespace status_policy {

namespace {

constexpr const char *kUsage =
    "expected CODE [= | ^~ | ~ | ~*] PATTERN [TARGET]";

// A token longer than this is shown cut, with "..." after it.
constexpr size_t kQuotedMax = 128;

std::string quoted(std::string_view s)
{
    std::string out = "\"";
    if (s.size() > kQuotedMax) {
        out.append(s.substr(0, kQuotedMax));
        out += "...";
    } else {
        out.append(s);
    }
    out += '"';
    return out;
}

void check_length(const char *what, std::string_view token)
{
    if (token.size() > max_token_length) {
        throw Error(std::string(what) + " " + quoted(token) + " is too long: "
                    + std::to_string(token.size()) + " bytes, at most "
                    + std::to_string(max_token_length));
    }
}

bool parse_modifier(std::string_view s, Kind &kind) noexcept
{
    if (s == "=") {
        kind = Kind::exact;
    } else if (s == "^~") {
        kind = Kind::prefix_stop;
    } else if (s == "~") {
        kind = Kind::regex;
    } else if (s == "~*") {
        kind = Kind::regex_caseless;
    } else {
        return false;
    }
    return true;
}

void check_code(std::string_view token, int &code)
{
    if (token.size() != 3) {
        throw Error("invalid status code " + quoted(token));
    }
    code = 0;
    for (char c : token) {
        if (c < '0' || c > '9') {
            throw Error("invalid status code " + quoted(token));
        }
        code = code * 10 + (c - '0');
    }

    if (is_redirect(code)) {
        return;
    }
    if (code == 408) {
        // ngx_http_finalize_request() closes the connection for it, as
        // for 499: a client would see no answer at all
        throw Error("status code 408 cannot be answered: nginx closes the "
                    "connection for it without a response (444 drops on "
                    "purpose)");
    }
    if (code == 494 || code == 495 || code == 496 || code == 497
        || code == 499) {
        throw Error("status code " + std::to_string(code)
                    + " is reserved by nginx");
    }
    if (code < 400 || code > 599) {
        throw Error("unsupported status code " + quoted(token));
    }
}

// A target goes into a Location header as written: no blanks or control
// bytes.  $0 (the whole match) and $1..$9 are the only substitutions, and
// only regexes have them.
void check_target(const RuleSyntax &rule, unsigned &highest)
{
    highest = 0;
    for (size_t i = 0; i < rule.target.size(); i++) {
        unsigned char c = static_cast<unsigned char>(rule.target[i]);
        if (c <= 0x20 || c == 0x7f) {
            throw Error("invalid character in target " + quoted(rule.target));
        }
        if (c != '$' || i + 1 == rule.target.size()
            || rule.target[i + 1] < '0' || rule.target[i + 1] > '9') {
            continue;
        }
        unsigned n = static_cast<unsigned>(rule.target[i + 1] - '0');
        if (!is_regex(rule.kind)) {
            throw Error("target " + quoted(rule.target) + " uses $"
                        + std::to_string(n)
                        + ", but only regex rules have captures");
        }
        highest = n > highest ? n : highest;
    }
}

} // namespace

void parse_rule(const std::string_view *args, size_t nargs, RuleSyntax &rule)
{
    if (nargs < 2 || nargs > 4) {
        throw Error(kUsage);
    }

    check_code(args[0], rule.code);

    size_t next = 1;
    rule.kind = Kind::prefix;
    if (nargs > 2 && parse_modifier(args[1], rule.kind)) {
        next = 2;
    }

    rule.pattern = args[next++];
    rule.target = next < nargs ? args[next++] : std::string_view();
    if (next != nargs) {
        throw Error(kUsage);
    }

    if (rule.pattern.empty()) {
        throw Error("empty pattern");
    }
    check_length("pattern", rule.pattern);
    check_length("target", rule.target);
    if (rule.pattern.find('\0') != std::string_view::npos) {
        // nginx answers 400 to a path with a NUL: such a rule never matches
        throw Error("pattern " + quoted(rule.pattern) + " holds a NUL byte");
    }
    if (!is_regex(rule.kind) && rule.pattern.front() != '/') {
        throw Error("pattern " + quoted(rule.pattern)
                    + " must start with \"/\"");
    }

    bool redirect = is_redirect(rule.code);
    if (redirect && rule.target.empty()) {
        throw Error("status code " + std::to_string(rule.code)
                    + " requires a target");
    }
    if (!redirect && !rule.target.empty()) {
        throw Error("status code " + std::to_string(rule.code)
                    + " does not take a target");
    }

    check_target(rule, rule.highest_capture);
}

} // namespace status_policy
