// The C interface of rule identities and the hits state file.

#include "status_policy_core.h"

#include <algorithm>
#include <cerrno>
#include <memory>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>
#include <sys/stat.h>

#include "c_boundary.hpp"
#include "hits_state.hpp"

using status_policy::guarded;
using status_policy::view;

struct sp_hits_state_s {
    int64_t started = 0;
    int64_t written = 0;

    // read: the rules the file counts
    std::unordered_map<uint64_t, sp_rule_hits_t> by_id;

    // to write: files and their rule counts, and the hit rules' lines
    std::vector<std::pair<std::string, size_t>> sources;
    std::string lines;
    size_t nlines = 0;
};

namespace {

status_policy::Kind kind_of(int kind)
{
    return static_cast<status_policy::Kind>(kind);
}

} // namespace

extern "C" {

uint64_t sp_rule_identity(sp_str_t level, const sp_rule_info_t *info,
                          unsigned ordinal) noexcept
{
    try {
        return status_policy::rule_identity(view(level), info->code,
                                            kind_of(info->kind),
                                            view(info->pattern),
                                            view(info->target), ordinal);
    } catch (...) {
        // std::to_string can only fail for memory; a rule then keeps no
        // count across a reload, which is all that is lost
        return 0;
    }
}

uint64_t sp_rule_identity_prefix(sp_str_t level,
                                 const sp_rule_info_t *info) noexcept
{
    return status_policy::rule_identity_prefix(view(level), info->code,
                                               kind_of(info->kind),
                                               view(info->pattern),
                                               view(info->target));
}

uint64_t sp_rule_identity_of(uint64_t prefix, unsigned ordinal) noexcept
{
    return status_policy::rule_identity_of(prefix, ordinal);
}

int sp_hits_state_read(const char *path, sp_hits_state_t **state, char *err,
                       size_t err_size) noexcept
{
    *state = nullptr;

    struct stat st;
    if (::stat(path, &st) != 0 && errno == ENOENT) {
        return SP_HITS_STATE_MISSING;
    }

    return guarded(err, err_size, [&] {
        status_policy::HitsState file = status_policy::read_hits_state(path);
        auto s = std::make_unique<sp_hits_state_s>();
        s->started = file.started;
        s->written = file.written;
        s->by_id.reserve(file.rules.size());
        for (const status_policy::StateRule &r : file.rules) {
            s->by_id[r.id] = {r.hits.hits, r.hits.first, r.hits.last};
        }
        *state = s.release();
    });
}

int64_t sp_hits_state_started(const sp_hits_state_t *state) noexcept
{
    return state->started;
}

int sp_hits_state_find(const sp_hits_state_t *state, uint64_t id,
                       sp_rule_hits_t *hits) noexcept
{
    auto it = state->by_id.find(id);
    if (it == state->by_id.end()) {
        return 0;
    }
    *hits = it->second;
    return 1;
}

sp_hits_state_t *sp_hits_state_create(int64_t started, int64_t now) noexcept
{
    try {
        auto s = std::make_unique<sp_hits_state_s>();
        s->started = started;
        s->written = now;
        return s.release();
    } catch (...) {
        return nullptr;
    }
}

int sp_hits_state_add(sp_hits_state_t *state, uint64_t id,
                      const sp_rule_hits_t *hits, sp_str_t level,
                      const sp_rule_info_t *info) noexcept
{
    return guarded(nullptr, 0, [&] {
        std::string_view source = view(info->source);

        // a file's rules come one after another, the same file may come
        // again at another level; the files are few
        auto &files = state->sources;
        if (files.empty() || files.back().first != source) {
            auto seen = std::find_if(files.begin(), files.end(),
                                     [&](const auto &f) {
                                         return f.first == source;
                                     });
            if (seen == files.end()) {
                files.emplace_back(source, 0);
            } else {
                std::rotate(seen, seen + 1, files.end());
            }
        }
        files.back().second++;

        if (hits->hits == 0) {
            return;
        }

        status_policy::StateRule r;
        r.id = id;
        r.hits = {hits->hits, hits->first, hits->last};
        r.level = view(level);
        r.source = source;
        r.line = info->line;
        r.code = info->code;
        r.kind = kind_of(info->kind);
        r.pattern = view(info->pattern);
        r.target = view(info->target);
        status_policy::append_state_rule(state->lines, r);
        state->nlines++;
    });
}

int sp_hits_state_write(const sp_hits_state_t *state, const char *path,
                        char *err, size_t err_size) noexcept
{
    return guarded(err, err_size, [&] {
        std::string text = status_policy::state_header(state->started,
                                                       state->written,
                                                       state->sources);
        text += state->lines;
        status_policy::append_state_end(text, state->nlines);
        status_policy::write_file_atomically(path, text);
    });
}

void sp_hits_state_free(sp_hits_state_t *state) noexcept
{
    delete state;
}

} // extern "C"
