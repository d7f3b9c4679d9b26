#include "literal_prefix.hpp"

namespace status_policy {

namespace {

bool is_alnum(char c) noexcept
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')
           || (c >= '0' && c <= '9');
}

bool is_quantifier(char c) noexcept
{
    return c == '*' || c == '+' || c == '?' || c == '{';
}

// Constructs whose effect on the rest of the pattern a simple scan cannot
// follow: inline options ("(?i)", "(?x)" comments), "(?#...)", verbs such
// as "(*UTF)", \Q...\E quoting, and \c, which takes the character after
// it whatever that is ("\c(" is a letter, "\c\\" leaves the next
// character unescaped).  Plain "(?:" groups are fine.
bool has_unfollowable_syntax(std::string_view re) noexcept
{
    for (size_t i = 0; i + 1 < re.size(); i++) {
        if (re[i] == '\\') {
            if (re[i + 1] == 'Q' || re[i + 1] == 'c') {
                return true;
            }
            i++;
            continue;
        }
        if (re[i] == '(' && (re[i + 1] == '*'
                             || (re[i + 1] == '?'
                                 && (i + 2 >= re.size() || re[i + 2] != ':')))) {
            return true;
        }
    }
    return false;
}

// Whether "|" appears outside every group and class.  A POSIX class
// ("[:alpha:]") inside a bracket expression counts as one too: its "]" is
// not the end of the bracket expression, which this scan cannot tell, and
// a "(" or "[" after it would then hide a real top-level "|".
bool has_top_level_alternation(std::string_view re) noexcept
{
    int depth = 0;
    bool in_class = false;

    for (size_t i = 0; i < re.size(); i++) {
        char c = re[i];

        if (c == '\\') {
            i++;
            continue;
        }
        if (in_class) {
            if (c == '[' && i + 1 < re.size()
                && (re[i + 1] == ':' || re[i + 1] == '.'
                    || re[i + 1] == '=')) {
                return true;
            }
            if (c == ']') {
                in_class = false;
            }
            continue;
        }
        if (c == '[') {
            in_class = true;
            // a ']' right after "[" or "[^" is a literal member
            if (i + 1 < re.size() && re[i + 1] == '^') {
                i++;
            }
            if (i + 1 < re.size() && re[i + 1] == ']') {
                i++;
            }
        } else if (c == '(') {
            depth++;
        } else if (c == ')') {
            depth--;
        } else if (c == '|' && depth <= 0) {
            return true;
        }
    }
    return false;
}

} // namespace

std::string literal_prefix(std::string_view re)
{
    if (re.empty() || re[0] != '^' || has_unfollowable_syntax(re)
        || has_top_level_alternation(re)) {
        return {};
    }

    std::string prefix;
    size_t i = 1;

    while (i < re.size()) {
        char c = re[i];
        char literal;
        size_t width;

        if (c == '\\') {
            if (i + 1 >= re.size() || is_alnum(re[i + 1])) {
                break;          // \d, \w, \x41, \1, ...: not a plain byte
            }
            literal = re[i + 1];
            width = 2;
        } else if (c == '.' || c == '[' || c == '(' || c == ')' || c == '|'
                   || c == '^' || c == '$' || is_quantifier(c) || c == '}') {
            break;
        } else {
            literal = c;
            width = 1;
        }

        if (i + width < re.size() && is_quantifier(re[i + width])) {
            break;
        }

        prefix += literal;
        i += width;
    }

    return prefix;
}

} // namespace status_policy
