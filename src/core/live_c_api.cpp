// The C interface of live zones: sets edited in a worker's memory,
// generations written into and read from shared memory, and the state
// file.

#include <cstdio>
#include <cstring>
#include <string>

#include "c_boundary.hpp"
#include "file_text.hpp"
#include "hits_state.hpp"
#include "live_edit.hpp"
#include "live_generation.hpp"
#include "live_set.hpp"
#include "live_view.hpp"
#include "redirect.hpp"
#include "text_arena.hpp"

using status_policy::LiveEdit;
using status_policy::LiveGeneration;
using status_policy::LiveOp;
using status_policy::LiveRule;
using status_policy::LiveSet;
using status_policy::LiveView;

struct sp_live_set_s {
    LiveSet set;
    status_policy::LiveLayer layer;     // its base set: a layer's rules
};

namespace {

constexpr std::string_view kStateMark = "# status_policy_zone state: ";

void fill_info(const LiveRule &r, sp_rule_info_t *info) noexcept
{
    info->source = {nullptr, 0};
    info->line = 0;
    info->code = r.code;
    info->kind = static_cast<int>(r.kind);
    info->pattern = {r.pattern.data(), r.pattern.size()};
    info->target = {r.target.data(), r.target.size()};
}

bool key_of(const char *text, size_t len, LiveRule &key) noexcept
{
    return status_policy::parse_live_key(std::string_view(text, len), key);
}

std::string hex(uint64_t v)
{
    char buf[17];
    std::snprintf(buf, sizeof(buf), "%016llx",
                  static_cast<unsigned long long>(v));
    return buf;
}

void fail_at(char *err, size_t err_size, unsigned *line,
             const LiveSet::Failure &f)
{
    status_policy::set_error(err, err_size, f.error);
    if (line != nullptr) {
        *line = f.line;
    }
}

} // namespace

extern "C" {

sp_live_set_t *sp_live_set_create(void) noexcept
{
    return new (std::nothrow) sp_live_set_t;
}

void sp_live_set_destroy(sp_live_set_t *set) noexcept
{
    delete set;
}

int sp_live_set_parse(sp_live_set_t *set, const char *text, size_t len,
                      char *err, size_t err_size, unsigned *line) noexcept
{
    if (line != nullptr) {
        *line = 0;
    }
    LiveSet::Failure failure;
    bool parsed = false;
    int rc = status_policy::guarded(err, err_size, [&] {
        parsed = set->set.parse(std::string_view(text, len), failure);
    });
    if (rc != SP_OK) {
        return rc;
    }
    if (!parsed) {
        fail_at(err, err_size, line, failure);
        return SP_ERROR;
    }
    return SP_OK;
}

int sp_live_edit(sp_live_set_t *set, const void *generation, int op,
                 const sp_live_set_t *more, const char *key, size_t key_len,
                 int background, unsigned *line) noexcept
{
    LiveRule k;
    if (op == SP_LIVE_DELETE && !key_of(key, key_len, k)) {
        return SP_LIVE_BAD_KEY;
    }
    static const LiveSet none;
    unsigned at = 0;
    LiveEdit edit = LiveEdit::done;
    int rc = status_policy::guarded(nullptr, 0, [&] {
        edit = status_policy::edit_live(
            LiveView(generation),
            op == SP_LIVE_POST    ? LiveOp::post
            : op == SP_LIVE_PATCH ? LiveOp::patch
                                  : LiveOp::remove,
            more ? more->set : none, k, set->set, set->layer, at,
            background != 0);
    });
    if (line != nullptr) {
        *line = at;
    }
    if (rc != SP_OK) {
        return rc;
    }
    return edit == LiveEdit::conflict  ? SP_LIVE_CONFLICT
           : edit == LiveEdit::missing ? SP_LIVE_MISSING
                                       : SP_OK;
}

size_t sp_live_set_count(const sp_live_set_t *set) noexcept
{
    return set->set.size();
}


int sp_live_wants_whole(const void *generation) noexcept
{
    return status_policy::live_wants_whole(LiveView(generation)) ? 1 : 0;
}

int sp_live_set_whole(sp_live_set_t *set, const void *generation) noexcept
{
    return status_policy::guarded(nullptr, 0, [&] {
        status_policy::load_live(LiveView(generation), set->set);
    });
}

int sp_live_rebase(sp_live_set_t *set, const void *whole, const void *from,
                   const void *now) noexcept
{
    status_policy::LiveRebase to = status_policy::LiveRebase::stale;
    int rc = status_policy::guarded(nullptr, 0, [&] {
        to = status_policy::rebase_live(LiveGeneration(whole), LiveView(from),
                                        LiveView(now), set->set, set->layer);
    });
    if (rc != SP_OK) {
        return rc;
    }
    return to == status_policy::LiveRebase::as_is   ? SP_LIVE_AS_IS
           : to == status_policy::LiveRebase::stale ? SP_LIVE_STALE
                                                    : SP_OK;
}

uint64_t sp_live_set_digest(const sp_live_set_t *set) noexcept
{
    try {
        return status_policy::live_digest(set->set);
    } catch (...) {
        return 0;
    }
}

size_t sp_live_generation_size(const sp_live_set_t *set) noexcept
{
    try {
        return LiveGeneration::size_of(set->set);
    } catch (...) {
        return 0;
    }
}

int sp_live_generation_write(const sp_live_set_t *set, void *block,
                             size_t size, const void *carry) noexcept
{
    return status_policy::guarded(nullptr, 0, [&] {
        LiveGeneration::write(set->set, block, size, &set->layer);
        status_policy::carry_hits(LiveView(carry), LiveGeneration(block));
    });
}

const void *sp_live_base(const void *generation) noexcept
{
    return LiveGeneration(generation).base();
}

size_t sp_live_count(const void *generation) noexcept
{
    return LiveView(generation).count();
}

uint64_t sp_live_digest(const void *generation) noexcept
{
    return LiveView(generation).digest();
}

uint32_t sp_live_find(const void *generation, const char *path, size_t len,
                      size_t *prefix_len) noexcept
{
    size_t n = 0;
    uint32_t rule = LiveView(generation).find(path, len, n);
    if (prefix_len != nullptr) {
        *prefix_len = n;
    }
    return rule;
}

uint32_t sp_live_find_key(const void *generation, const char *key,
                          size_t len) noexcept
{
    LiveRule k;
    if (!key_of(key, len, k)) {
        return SP_NO_RULE;
    }
    return LiveView(generation).find_key(k);
}

int sp_live_rule(const void *generation, uint32_t index,
                 sp_rule_info_t *info, sp_rule_hits_t *hits) noexcept
{
    LiveView g(generation);
    if (!g.holds(index)) {
        return SP_ERROR;
    }
    fill_info(g.rule(index), info);
    if (hits != nullptr) {
        *hits = g.hits(index);
    }
    return SP_OK;
}

void sp_live_count_hit(const void *generation, uint32_t index, int64_t now)
    noexcept
{
    LiveView(generation).count_hit(index, now);
}

int sp_live_redirect(const void *generation, const sp_match_t *m,
                     const char *path, size_t len, const char *args,
                     size_t args_len, char *buf, size_t size, size_t *needed)
    noexcept
{
    LiveView g(generation);
    size_t n = 0;
    bool built = false;
    if (m->zone && g.holds(m->rule)) {
        try {
            LiveRule r = g.rule(m->rule);
            status_policy::RedirectInput in{
                r.kind, r.target, std::string_view(path, len), m->prefix_len,
                m->captures, 0,
                args ? std::string_view(args, args_len) : std::string_view()};
            n = status_policy::expand_redirect(in, buf, buf ? size : 0);
            built = true;
        } catch (...) {
            built = false;
        }
    }
    if (needed != nullptr) {
        *needed = built ? n : 0;
    }
    return built ? SP_OK : SP_ERROR;
}

int sp_live_state_write(const void *generation, const char *path,
                        uint64_t changes, int64_t now, char *err,
                        size_t err_size) noexcept
{
    return status_policy::guarded(err, err_size, [&] {
        LiveView g(generation);
        std::string text(kStateMark);
        text += "rules=" + std::to_string(g.count()) + " digest="
                + hex(g.digest()) + " changes=" + std::to_string(changes)
                + " written=" + std::to_string(now) + "\n";
        LiveView::Position at;
        uint32_t i;
        while (g.next(at, i)) {
            status_policy::append_live_line(text, g.rule(i));
        }
        status_policy::write_file_atomically(path, text);
    });
}

int sp_live_state_read(const char *path, sp_live_set_t *set,
                       uint64_t *changes, char *err, size_t err_size,
                       unsigned *line) noexcept
{
    if (line != nullptr) {
        *line = 0;
    }
    std::string text;
    int rc = status_policy::guarded(err, err_size, [&] {
        status_policy::TextArena arena;
        status_policy::append_file_text(path, arena);
        text.assign(arena.data(), arena.size());
    });
    if (rc != SP_OK) {
        return rc;
    }

    // the header names the digest of what follows: a file cut short or
    // edited by hand without care is not taken for the zone's rules
    if (text.compare(0, kStateMark.size(), kStateMark) != 0) {
        status_policy::set_error(err, err_size,
                                 "no status_policy_zone state header");
        if (line != nullptr) {
            *line = 1;
        }
        return SP_ERROR;
    }
    std::string header = text.substr(0, text.find('\n'));
    unsigned long long count = 0, digest = 0, changed = 0;
    if (std::sscanf(header.c_str() + kStateMark.size(),
                    "rules=%llu digest=%llx changes=%llu", &count, &digest,
                    &changed) != 3) {
        status_policy::set_error(err, err_size, "a bad state header");
        if (line != nullptr) {
            *line = 1;
        }
        return SP_ERROR;
    }

    if (sp_live_set_parse(set, text.data(), text.size(), err, err_size, line)
        != SP_OK) {
        return SP_ERROR;
    }

    rc = status_policy::guarded(err, err_size, [&] {
        uint64_t held = status_policy::live_digest(set->set);
        if (set->set.size() != count || held != digest) {
            throw status_policy::Error(
                "holds " + std::to_string(set->set.size())
                + " rules of digest " + hex(held) + ", its header says "
                + std::to_string(count) + " of " + hex(digest));
        }
    });
    if (changes != nullptr) {
        *changes = changed;
    }
    return rc;
}

} // extern "C"
