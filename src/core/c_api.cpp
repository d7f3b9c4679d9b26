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

#include "error.hpp"
#include "escape.hpp"
#include "ruleset.hpp"

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

namespace {

// Messages are cut to this length: with the directive's name in front,
// they fit nginx's 1024-byte configuration error and one log line.
constexpr size_t kMessageMax = 900;

// Writes the message into err with control bytes and bytes from 0x7F up
// as \xHH (a message quotes tokens that may be binary: no NUL may cut it
// short, no escape sequence reach a terminal), and cut in the middle
// with "..." when longer than kMessageMax or size, so that both the place
// at its start and the reason at its end stay.
void set_error(char *err, size_t size, std::string_view message) noexcept
{
    using status_policy::hex_escape_length;

    if (err == nullptr || size == 0) {
        return;
    }

    auto width = [](unsigned char c) -> size_t {
        return c < 0x20 || c >= 0x7F ? hex_escape_length : 1;
    };

    size_t room = (size - 1 < kMessageMax ? size - 1 : kMessageMax);
    size_t total = 0;
    for (char c : message) {
        total += width(static_cast<unsigned char>(c));
    }

    // the bytes shown: all, or [0, head) and [tail, end)
    size_t head = message.size(), tail = message.size();
    if (total > room) {
        size_t keep = room > 3 ? room - 3 : 0;
        size_t head_room = keep * 2 / 3, tail_room = keep - head_room;
        size_t used = 0;
        for (head = 0; head < message.size(); head++) {
            size_t w = width(static_cast<unsigned char>(message[head]));
            if (used + w > head_room) {
                break;
            }
            used += w;
        }
        used = 0;
        for (tail = message.size(); tail > head; tail--) {
            size_t w = width(static_cast<unsigned char>(message[tail - 1]));
            if (used + w > tail_room) {
                break;
            }
            used += w;
        }
    }

    char *p = err, *last = err + size - 1;
    auto put = [&](unsigned char c) {
        if (width(c) == 1) {
            if (p < last) {
                *p++ = static_cast<char>(c);
            }
        } else if (last - p >= static_cast<ptrdiff_t>(hex_escape_length)) {
            status_policy::put_hex_escape(p, c);
            p += hex_escape_length;
        }
    };

    for (size_t i = 0; i < head; i++) {
        put(static_cast<unsigned char>(message[i]));
    }
    if (head < message.size()) {
        for (size_t i = 0; i < 3 && p < last; i++) {
            *p++ = '.';
        }
        for (size_t i = tail; i < message.size(); i++) {
            put(static_cast<unsigned char>(message[i]));
        }
    }
    *p = '\0';
}

// Runs fn and maps what it throws to SP_ERROR and a message: an Error's
// reason as it is, "out of memory" for std::bad_alloc.
template <typename Fn>
int guarded(char *err, size_t size, Fn &&fn) noexcept
{
    try {
        fn();
        return SP_OK;
    } catch (const status_policy::Error &e) {
        set_error(err, size, e.message());
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
