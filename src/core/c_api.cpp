// The C interface of the ruleset: every entry point catches whatever the
// core throws and turns it into a return code (with a message where the
// function has an error buffer), so no exception reaches nginx.

#include "status_policy_core.h"

#include <cstddef>
#include <cstdio>
#include <exception>
#include <new>
#include <string>
#include <string_view>
#include <vector>

#include <sys/stat.h>

#include "c_boundary.hpp"
#include "escape.hpp"
#include "ruleset.hpp"
#include "vectorscan_set.hpp"

using status_policy::guarded;
using status_policy::view;

struct sp_ruleset_s {
    status_policy::Ruleset rules;

    // The files loaded, to name a file given twice as such, not as a
    // duplicate of each of its rules at the same place.
    struct File {
        dev_t dev;
        ino_t ino;
        std::string path;
    };
    std::vector<File> files;
};

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
    return guarded(err, err_size, [&] {
        std::vector<std::string_view> tokens;
        tokens.reserve(nargs);
        for (size_t i = 0; i < nargs; i++) {
            tokens.push_back(view(args[i]));
        }
        rs->rules.add(tokens.data(), tokens.size(), view(source), line);
    });
}

int sp_ruleset_add_file(sp_ruleset_t *rs, sp_str_t path, char *err,
                        size_t err_size) noexcept
{
    return guarded(err, err_size, [&] {
        std::string name(view(path));
        struct stat st;
        bool known = ::stat(name.c_str(), &st) == 0 && S_ISREG(st.st_mode);

        if (known) {
            for (const auto &f : rs->files) {
                if (f.dev == st.st_dev && f.ino == st.st_ino) {
                    throw status_policy::Error(
                        name + ": already loaded at this level"
                        + (f.path == name ? std::string()
                                          : " as \"" + f.path + "\""));
                }
            }
        }

        rs->rules.add_file(name);
        if (known) {
            rs->files.push_back({st.st_dev, st.st_ino, name});
        }
    });
}

int sp_ruleset_compile(sp_ruleset_t *rs, int ignore_case, char *err,
                       size_t err_size) noexcept
{
    return guarded(err, err_size,
                   [&] { rs->rules.compile(ignore_case != 0); });
}

size_t sp_ruleset_count(const sp_ruleset_t *rs) noexcept
{
    return rs->rules.count();
}

size_t sp_ruleset_regex_count(const sp_ruleset_t *rs) noexcept
{
    return rs->rules.regex_count();
}

size_t sp_ruleset_vectorscan_count(const sp_ruleset_t *rs) noexcept
{
    return rs->rules.vectorscan_count();
}

void sp_ruleset_check_only(sp_ruleset_t *rs) noexcept
{
    rs->rules.check_only();
}

int sp_ruleset_chose_vectorscan(const sp_ruleset_t *rs) noexcept
{
    return rs->rules.chose_vectorscan() ? 1 : 0;
}

const char *sp_vectorscan_untrusted(void) noexcept
{
    return status_policy::VectorscanSet::untrusted();
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

int sp_ruleset_match_live(const sp_ruleset_t *rs, const void *generation,
                          const char *path, size_t len, sp_match_t *m)
    noexcept
{
    try {
        status_policy::LiveView g(generation);
        if (rs == nullptr) {
            // a level whose only rules are the zone's
            m->limit_rule = SP_NO_RULE;
            m->ncaptures = 0;
            m->rule = g.find(path, len, m->prefix_len);
            m->zone = m->rule != SP_NO_RULE;
            return m->zone;
        }
        return rs->rules.match(path, len, *m, g.valid() ? &g : nullptr) ? 1
                                                                        : 0;
    } catch (...) {
        m->rule = SP_NO_RULE;
        m->limit_rule = SP_NO_RULE;
        m->zone = 0;
        return 0;
    }
}

int sp_ruleset_redirect(const sp_ruleset_t *rs, const sp_match_t *m,
                        const char *path, size_t len, const char *args,
                        size_t args_len, char *buf, size_t size,
                        size_t *needed) noexcept
{
    size_t n = 0;
    bool built = false;
    try {
        built = rs->rules.redirect(
            *m, std::string_view(path, len),
            args ? std::string_view(args, args_len) : std::string_view(),
            buf, buf ? size : 0, n);
    } catch (...) {
        built = false;
    }
    if (needed != nullptr) {
        *needed = built ? n : 0;
    }
    return built ? SP_OK : SP_ERROR;
}

int sp_ruleset_rule(const sp_ruleset_t *rs, uint32_t index,
                    sp_rule_info_t *info) noexcept
{
    return rs->rules.info(index, *info) ? SP_OK : SP_ERROR;
}

size_t sp_log_escape(const char *src, size_t len, char *dst,
                     size_t size) noexcept
{
    return status_policy::log_escape(
        src ? std::string_view(src, len) : std::string_view(), dst,
        dst ? size : 0);
}

} // extern "C"
