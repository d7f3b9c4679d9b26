// The C interface: every entry point catches whatever the core throws and
// turns it into SP_ERROR and a message, so no exception reaches nginx.

#include "status_policy_core.h"

#include <cstdio>
#include <exception>
#include <new>
#include <string>
#include <string_view>
#include <vector>

#include "ruleset.hpp"

struct sp_ruleset_s {
    status_policy::Ruleset rules;
};

namespace {

void set_error(char *err, size_t size, const std::string &message) noexcept
{
    if (err != nullptr && size > 0) {
        std::snprintf(err, size, "%s", message.c_str());
    }
}

void set_error(char *err, size_t size, const char *message) noexcept
{
    if (err != nullptr && size > 0) {
        std::snprintf(err, size, "%s", message);
    }
}

// Runs fn, which returns "" or a reason, and maps the outcome to a code.
template <typename Fn>
int guarded(char *err, size_t size, Fn &&fn) noexcept
{
    try {
        std::string reason = fn();
        if (reason.empty()) {
            return SP_OK;
        }
        set_error(err, size, reason);
    } catch (const std::bad_alloc &) {
        set_error(err, size, "out of memory");
    } catch (const std::exception &e) {
        set_error(err, size, e.what());
    } catch (...) {
        set_error(err, size, "internal error");
    }
    return SP_ERROR;
}

std::string_view view(sp_str_t s) noexcept
{
    return s.data ? std::string_view(s.data, s.len) : std::string_view();
}

} // namespace

extern "C" {

sp_ruleset_t *sp_ruleset_create(void) noexcept
{
    try {
        return new sp_ruleset_t;
    } catch (...) {
        return nullptr;
    }
}

void sp_ruleset_destroy(sp_ruleset_t *rs) noexcept
{
    delete rs;
}

int sp_ruleset_add(sp_ruleset_t *rs, const sp_str_t *args, size_t nargs,
                   sp_str_t source, unsigned line, char *err,
                   size_t err_size) noexcept
{
    return guarded(err, err_size, [&]() -> std::string {
        std::vector<std::string_view> tokens;
        tokens.reserve(nargs);
        for (size_t i = 0; i < nargs; i++) {
            tokens.push_back(view(args[i]));
        }
        return rs->rules.add(tokens.data(), tokens.size(), view(source),
                             line);
    });
}

int sp_ruleset_add_file(sp_ruleset_t *rs, sp_str_t path, char *err,
                        size_t err_size) noexcept
{
    return guarded(err, err_size, [&]() -> std::string {
        return rs->rules.add_file(std::string(view(path)));
    });
}

int sp_ruleset_compile(sp_ruleset_t *rs, int ignore_case, char *err,
                       size_t err_size) noexcept
{
    return guarded(err, err_size, [&]() -> std::string {
        return rs->rules.compile(ignore_case != 0);
    });
}

size_t sp_ruleset_count(const sp_ruleset_t *rs) noexcept
{
    return rs->rules.count();
}

int sp_ruleset_match(const sp_ruleset_t *rs, const char *path, size_t len,
                     sp_match_t *m) noexcept
{
    try {
        return rs->rules.match(path, len, *m) ? 1 : 0;
    } catch (...) {
        m->rule = SP_NO_RULE;
        m->limit_rule = SP_NO_RULE;
        return 0;
    }
}

size_t sp_ruleset_redirect(const sp_ruleset_t *rs, const sp_match_t *m,
                           const char *path, size_t len, const char *args,
                           size_t args_len, char *buf, size_t size) noexcept
{
    try {
        return rs->rules.redirect(
            *m, std::string_view(path, len),
            args ? std::string_view(args, args_len) : std::string_view(),
            buf, buf ? size : 0);
    } catch (...) {
        return 0;
    }
}

int sp_ruleset_rule(const sp_ruleset_t *rs, uint32_t index,
                    sp_rule_info_t *info) noexcept
{
    return rs->rules.info(index, *info) ? SP_OK : SP_ERROR;
}

} // extern "C"
