#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>

#include "pcre2_handle.hpp"

#include <new>

namespace status_policy {

void Pcre2Free::operator()(pcre2_code *p) const noexcept
{
    pcre2_code_free(p);
}

void Pcre2Free::operator()(pcre2_match_context *p) const noexcept
{
    pcre2_match_context_free(p);
}

void Pcre2Free::operator()(pcre2_match_data *p) const noexcept
{
    pcre2_match_data_free(p);
}

void Pcre2Free::operator()(pcre2_jit_stack *p) const noexcept
{
    pcre2_jit_stack_free(p);
}

Pcre2Code compile_regex(std::string_view pattern, bool caseless, int &error,
                        size_t &offset)
{
    Pcre2Code code(pcre2_compile(
        reinterpret_cast<PCRE2_SPTR>(pattern.data()), pattern.size(),
        caseless ? PCRE2_CASELESS : 0, &error, &offset, nullptr));
    if (code) {
        // Without JIT (an unusual PCRE2 build) the interpreter still works.
        (void) pcre2_jit_compile(code.get(), PCRE2_JIT_COMPLETE);
    }
    return code;
}

MatchScratch::MatchScratch()
    : context(pcre2_match_context_create(nullptr)),
      data(pcre2_match_data_create(regex_max_captures, nullptr)),
      jit_stack(pcre2_jit_stack_create(32 * 1024, 512 * 1024, nullptr))
{
    if (!context || !data) {
        throw std::bad_alloc();
    }
    pcre2_set_match_limit(context.get(), regex_match_limit);
    pcre2_set_depth_limit(context.get(), regex_match_limit / 20);
    pcre2_set_heap_limit(context.get(), 4096);  // KiB, interpreter only
    if (jit_stack) {
        pcre2_jit_stack_assign(context.get(), nullptr, jit_stack.get());
    }
}

} // namespace status_policy
