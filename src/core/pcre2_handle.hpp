// Owning handles for PCRE2's objects, so that none is freed by hand, and
// the scratch memory of a match, set up with the limits every regex rule
// runs under.  The PCRE2 types are only declared here: pcre2.h wants
// PCRE2_CODE_UNIT_WIDTH first and would bring its macros into every file
// that includes a matcher header.

#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string_view>

struct pcre2_real_code_8;
struct pcre2_real_match_context_8;
struct pcre2_real_match_data_8;
struct pcre2_real_jit_stack_8;

namespace status_policy {

// Backtracking steps one regex may take on one path before it counts as
// no match: well under a millisecond, far above what sane patterns need
// on the longest paths nginx accepts.
constexpr uint32_t regex_match_limit = 200000;
constexpr uint32_t regex_max_captures = 10;     // $0..$9

struct Pcre2Free {
    void operator()(pcre2_real_code_8 *p) const noexcept;
    void operator()(pcre2_real_match_context_8 *p) const noexcept;
    void operator()(pcre2_real_match_data_8 *p) const noexcept;
    void operator()(pcre2_real_jit_stack_8 *p) const noexcept;
};

template <typename T>
using Pcre2Ptr = std::unique_ptr<T, Pcre2Free>;

using Pcre2Code = Pcre2Ptr<pcre2_real_code_8>;
using Pcre2MatchContext = Pcre2Ptr<pcre2_real_match_context_8>;
using Pcre2MatchData = Pcre2Ptr<pcre2_real_match_data_8>;
using Pcre2JitStack = Pcre2Ptr<pcre2_real_jit_stack_8>;

// Compiles a pattern, JIT-compiled as well when PCRE2 has a JIT.  On
// failure returns nullptr with PCRE2's error code and the offset in the
// pattern where it stopped.
Pcre2Code compile_regex(std::string_view pattern, bool caseless, int &error,
                        size_t &offset);

// What pcre2_match() needs besides the regex: a match context with the
// limits above (and a JIT stack, when one can be had) and match data for
// $0..$9.  Every match writes into it, so one scratch serves one match at
// a time.  Throws std::bad_alloc.
struct MatchScratch {
    MatchScratch();

    Pcre2MatchContext context;
    Pcre2MatchData data;
    Pcre2JitStack jit_stack;
};

} // namespace status_policy
