/*
 * The one interface between the nginx module (C) and the C++17 core.
 *
 * Plain C types only.  Every function is noexcept: the core catches
 * everything at this boundary and reports failures as return codes;
 * the functions that load rules also write the reason into a
 * caller-supplied buffer.  The ones that write text of any length
 * (sp_ruleset_redirect, sp_report_render, sp_log_escape) never write
 * past the size given and report the full length, so that a call with
 * size 0 asks for it.
 */

#ifndef STATUS_POLICY_CORE_H
#define STATUS_POLICY_CORE_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
#define SP_NOEXCEPT noexcept
extern "C" {
#else
#define SP_NOEXCEPT
#endif


/* Return codes. */
#define SP_OK          0
#define SP_ERROR      -1    /* an error buffer, if given, holds the reason */
#define SP_LIVE_CONFLICT  -2    /* a live rule of that pattern exists */
#define SP_LIVE_MISSING   -3    /* a live zone has no rule of that key */
#define SP_LIVE_BAD_KEY   -4    /* no "= /x", "^~ /x" or "/x" */
#define SP_LIVE_STALE     -5    /* the zone was written whole meanwhile */
#define SP_LIVE_AS_IS      1    /* no write came meanwhile */

#define SP_NO_RULE     UINT32_MAX


typedef enum {
    SP_KIND_PREFIX = 0,     /* no modifier */
    SP_KIND_EXACT,          /* = */
    SP_KIND_PREFIX_STOP,    /* ^~ */
    SP_KIND_REGEX,          /* ~ */
    SP_KIND_REGEX_CASELESS  /* ~* */
} sp_kind_t;


typedef struct {
    const char  *data;
    size_t       len;
} sp_str_t;


/*
 * A set of rules defined at one configuration level (http, server or
 * location).  Precedence inside a set follows nginx's location rules.
 */
typedef struct sp_ruleset_s  sp_ruleset_t;


typedef struct {
    uint32_t     rule;          /* index for sp_ruleset_rule(), or SP_NO_RULE */

    /* prefix rules: length of the matched prefix within the path */
    size_t       prefix_len;

    /* regex rules: captures $0..$9 as byte offsets, -1 if unset */
    int          ncaptures;
    long         captures[20];

    /*
     * A regex that hit PCRE2's match or depth limit counts as no match;
     * the first such rule is reported here (SP_NO_RULE if none) so that
     * the caller can log it.
     */
    uint32_t     limit_rule;

    /* 1 when rule is an index into a live zone's generation */
    int          zone;
} sp_match_t;


typedef struct {
    sp_str_t     source;        /* file the rule came from */
    unsigned     line;
    int          code;
    int          kind;          /* sp_kind_t */
    sp_str_t     pattern;
    sp_str_t     target;        /* empty unless a 3xx rule */
} sp_rule_info_t;


sp_ruleset_t *sp_ruleset_create(void) SP_NOEXCEPT;
void sp_ruleset_destroy(sp_ruleset_t *rs) SP_NOEXCEPT;

/*
 * Adds one rule given as tokens: CODE [= | ^~ | ~ | ~*] PATTERN [TARGET].
 * source/line name where it was written; they are copied.
 * Syntax, code/target consistency and regexes are checked here.
 */
int sp_ruleset_add(sp_ruleset_t *rs, const sp_str_t *args, size_t nargs,
    sp_str_t source, unsigned line, char *err, size_t err_size) SP_NOEXCEPT;

/*
 * Adds every rule of a rules file, one rule a line, '#' comments and
 * blank lines allowed.  Errors read "PATH:LINE: reason".
 */
int sp_ruleset_add_file(sp_ruleset_t *rs, sp_str_t path, char *err,
    size_t err_size) SP_NOEXCEPT;

/*
 * Builds the lookup structures; must be called once after the last add
 * and before the first match.  ignore_case applies to exact and prefix
 * rules.  Duplicate patterns are reported here.
 */
int sp_ruleset_compile(sp_ruleset_t *rs, int ignore_case, char *err,
    size_t err_size) SP_NOEXCEPT;

size_t sp_ruleset_count(const sp_ruleset_t *rs) SP_NOEXCEPT;

/*
 * After compile: the regex rules, and how many of them are scanned in one
 * pass with Vectorscan (0 when the set is tried in order with PCRE2, or
 * the core was built without Vectorscan).
 */
size_t sp_ruleset_regex_count(const sp_ruleset_t *rs) SP_NOEXCEPT;
size_t sp_ruleset_vectorscan_count(const sp_ruleset_t *rs) SP_NOEXCEPT;

/*
 * Before compile: the set will be checked, not matched (nginx -t, lint),
 * so the Vectorscan database, the slow part of loading thousands of
 * regexes, is not built; matching still works, on PCRE2.  Whether the
 * set would be scanned is then sp_ruleset_chose_vectorscan().
 */
void sp_ruleset_check_only(sp_ruleset_t *rs) SP_NOEXCEPT;
int sp_ruleset_chose_vectorscan(const sp_ruleset_t *rs) SP_NOEXCEPT;

/* The version of a Vectorscan library that misses matches the module
 * checks for at its first use, and so is not used; NULL if it is used or
 * the core was built without it. */
const char *sp_vectorscan_untrusted(void) SP_NOEXCEPT;

/*
 * Finds the rule for a normalized, percent-decoded path.
 * Returns 1 and fills *m on a match, 0 if nothing matches.
 * Not reentrant: the ruleset's regexes share scratch memory, so calls
 * on one ruleset must not overlap (an nginx worker has one thread).
 */
int sp_ruleset_match(const sp_ruleset_t *rs, const char *path, size_t len,
    sp_match_t *m) SP_NOEXCEPT;

/*
 * Writes the Location of a matched 3xx rule: TARGET with the prefix
 * remainder or $1..$9 substituted (request-derived parts percent-escaped),
 * then "?args" unless TARGET has its own query.  Returns SP_OK and sets
 * *needed to the full length, which may exceed size (nothing is written
 * past size; buf may be NULL with size 0 to ask for the length), or
 * SP_ERROR, with *needed 0, if the Location cannot be built (m names no
 * rule of rs, or memory ran out).
 */
int sp_ruleset_redirect(const sp_ruleset_t *rs, const sp_match_t *m,
    const char *path, size_t len, const char *args, size_t args_len,
    char *buf, size_t size, size_t *needed) SP_NOEXCEPT;

int sp_ruleset_rule(const sp_ruleset_t *rs, uint32_t index,
    sp_rule_info_t *info) SP_NOEXCEPT;


/*
 * Escapes a request-derived string for a log line: control bytes
 * (< 0x20), bytes from 0x7f up, '"' and '\' as \xHH (uppercase hex),
 * everything else as it is.  Writes the first size bytes of the escaped
 * text, without a NUL (dst may be NULL with size 0), and returns its
 * full length.
 */
size_t sp_log_escape(const char *src, size_t len, char *dst, size_t size)
    SP_NOEXCEPT;


/*
 * 404 spike counting in a memory block owned by the caller (an nginx
 * shared memory zone).  The block holds no pointers, only offsets, so it
 * works wherever it is mapped.  The caller serializes all calls on one
 * block (the zone's mutex); none of them blocks.  Counting allocates
 * nothing, only rendering the log line of a spike that starts or ends
 * does, and sp_spike_top() sorts in process memory.
 */

#define SP_SPIKE_CODES  8

typedef struct {
    uint32_t     window_ms;     /* the spike window */
    uint32_t     threshold;     /* hits in a window that can start a spike */
    double       factor;        /* ... if at least factor x the baseline */

    /*
     * Which configuration this is: one loaded later has a greater number.
     * A zone kept across a reload belongs to the newest configuration
     * that has used it (see sp_spike_claim()).
     */
    uint64_t     generation;

    /* the codes counted: with the window, what the stored counts mean */
    size_t       ncodes;
    int          codes[SP_SPIKE_CODES];

    /* a group (a referer, a directory) spikes from this many hits across
       at least this many distinct paths in the window; 0: 5 x threshold
       and 10 */
    uint32_t     group_threshold;
    uint32_t     group_paths;

    /* windows of history kept per path and group (and the layout) */
    uint32_t     history;
} sp_spike_config_t;

/* the most windows of history */
#define SP_SPIKE_HISTORY_MAX  4096

typedef enum {
    SP_SPIKE_OURS = 0,      /* the zone counts in this configuration's units */
    SP_SPIKE_RESTARTED,     /* taken over from an older configuration that
                               counted in other units: started afresh */
    SP_SPIKE_NOT_OURS       /* a newer configuration with other units has it */
} sp_spike_claim_t;

typedef enum {
    SP_SPIKE_NONE = 0,
    SP_SPIKE_STARTED,
    SP_SPIKE_ENDED
} sp_spike_event_kind_t;

/* A spike starting or ending; "line" is a ready log line, escaped. */
typedef struct {
    int          kind;          /* sp_spike_event_kind_t */
    char         line[1024];
} sp_spike_event_t;

/*
 * How many paths and groups a block of that size holds with that much
 * history; 0 if too small for any use.
 */
size_t sp_spike_capacity(size_t size, uint32_t history) SP_NOEXCEPT;
size_t sp_spike_group_capacity(size_t size, uint32_t history) SP_NOEXCEPT;

/* The smallest block size accepted, for the "zone too small" error. */
size_t sp_spike_min_size(uint32_t history) SP_NOEXCEPT;

/*
 * Lays a fresh zone out in a block for cfg; returns SP_OK, or SP_ERROR if
 * the block is too small.  A zone kept across a reload is not laid out
 * again: the new configuration's processes claim it.
 */
int sp_spike_init(void *block, size_t size, const sp_spike_config_t *cfg,
    uint64_t now_ms) SP_NOEXCEPT;

/*
 * Claims a zone for a process configured with cfg (sp_spike_claim_t).
 * The first claim of a newer configuration takes the zone over: its
 * counts go on when the window and the codes are unchanged (threshold and
 * factor take the new values), else it starts afresh, and notice (if
 * given) says what changed, e.g. "window 2s -> 6s".  A process of an
 * older configuration keeps using the zone only while it counts in the
 * same units.  A block laid out by another version of the module is laid
 * out afresh.  Every call below claims the zone first (without
 * re-laying it out), and does nothing when it is not the caller's.
 */
int sp_spike_claim(void *block, size_t size, const sp_spike_config_t *cfg,
    uint64_t now_ms, char *notice, size_t notice_size) SP_NOEXCEPT;

/*
 * Counts one response with a counted code for KEY (host + path) and its
 * referer (may be empty), in the path's table and in its groups (the
 * referer, the directories above the path).  Writes the spikes this hit
 * starts (SP_SPIKE_STARTED: its path, a broken page, a broken deploy;
 * at most SP_SPIKE_HIT_EVENTS) into ev and returns how many.
 */
#define SP_SPIKE_HIT_EVENTS  3

size_t sp_spike_hit(void *block, const sp_spike_config_t *cfg, int code,
    const char *key, size_t key_len, const char *referer,
    size_t referer_len, uint64_t now_ms, sp_spike_event_t *ev) SP_NOEXCEPT;

/*
 * Ends the spikes whose window count fell under the threshold, at most
 * max of them; writes their events and returns how many.  The others end
 * at the next call.  Called periodically; it reads only the spiking
 * paths.
 */
size_t sp_spike_sweep(void *block, const sp_spike_config_t *cfg,
    uint64_t now_ms, sp_spike_event_t *ev, size_t max) SP_NOEXCEPT;

typedef struct {
    char         text[128];
    size_t       len;
    uint32_t     count;
} sp_spike_top_t;

/* how a path or a group is spiking */
typedef enum {
    SP_SPIKE_QUIET = 0,
    SP_SPIKE_LOGGED,            /* its own lines */
    SP_SPIKE_FOLDED             /* part of a group whose lines say it */
} sp_spike_state_t;

/*
 * One path of the report, copied out of the block.  history, when the
 * caller gave room for it, holds the hits of each of the last
 * cfg.history windows, the current one last; NULL otherwise.
 */
typedef struct {
    char         key[256];
    size_t       key_len;
    int          truncated;     /* key longer than shown */
    int          code;          /* the last counted code */
    uint32_t     window_count;  /* hits in the current window */
    uint64_t     total;         /* hits since the path was tracked */
    double       baseline;      /* hits per window, long-run */
    uint64_t     first_seen_ms;
    uint64_t     last_seen_ms;
    int          spiking;       /* sp_spike_state_t */
    uint64_t     spike_start_ms;
    uint32_t     spike_peak;
    size_t       nreferers;
    sp_spike_top_t  referers[4];
    uint32_t    *history;
} sp_spike_path_t;

typedef enum {
    SP_GROUP_PAGE = 1,          /* a referer: a broken page */
    SP_GROUP_DEPLOY = 2         /* a directory: a broken deploy */
} sp_spike_group_kind_t;

/* One group of the report, copied out of the block. */
typedef struct {
    int          kind;          /* sp_spike_group_kind_t */
    char         key[256];      /* the referer, or host + directory */
    size_t       key_len;
    int          truncated;
    int          code;
    uint32_t     window_count;
    uint32_t     paths;         /* distinct paths in the window, estimated */
    uint32_t     referers;      /* distinct referers in the window, too */
    uint32_t     referred;      /* hits in the window with a referer */
    uint64_t     total;
    double       baseline;
    uint64_t     first_seen_ms;
    uint64_t     last_seen_ms;
    int          spiking;       /* sp_spike_state_t */
    uint64_t     spike_start_ms;
    uint32_t     spike_peak;
    size_t       ntop_paths;
    sp_spike_top_t  top_paths[4];
    size_t       ntop_referers;
    sp_spike_top_t  top_referers[4];
    uint32_t    *history;       /* as for a path */
} sp_spike_group_t;

/* A spike start or end kept by the zone (the last 64). */
typedef struct {
    uint64_t     time_ms;
    int          started;       /* 1: started, 0: ended */
    int          kind;          /* 0 a path, else sp_spike_group_kind_t */
    char         key[192];
    size_t       key_len;
    int          code;
    uint32_t     count;         /* window count at the start, or peak */
    uint32_t     paths;         /* a group's distinct paths at the start */
    uint64_t     length_ms;     /* how long it lasted (ended) */
} sp_spike_event_record_t;

/* Statistics of the whole block. */
typedef struct {
    size_t       capacity;
    size_t       used;
    uint64_t     counted;       /* every hit ever counted */
    uint64_t     evicted;       /* paths pushed out for new ones */
    uint64_t     filtered;      /* first hits of new paths, not admitted
                                   while the zone was full */
    size_t       group_capacity;
    size_t       groups;
    uint32_t     window_count;  /* the zone's hits in the current window */
    uint64_t     history_end_ms;  /* when the last window of history ends */
} sp_spike_stats_t;

/*
 * The top paths (spiking ones first, then by current window count, then
 * by total), read without holding the zone's lock for the whole zone: a
 * ranking in process memory, then one call of sp_spike_rank() a slice of
 * slots, each under its own lock hold, then sp_spike_ranked() under the
 * lock copies the paths chosen that their slots still hold.
 */
typedef struct sp_spike_ranking_s  sp_spike_ranking_t;

/* A ranking that keeps the best max paths; NULL if out of memory. */
sp_spike_ranking_t *sp_spike_ranking_create(size_t max) SP_NOEXCEPT;
void sp_spike_ranking_destroy(sp_spike_ranking_t *ranking) SP_NOEXCEPT;

/* Ranks a slice of slots from slot from; returns the next from, 0 at end. */
size_t sp_spike_rank(void *block, const sp_spike_config_t *cfg,
    uint64_t now_ms, sp_spike_ranking_t *ranking, size_t from) SP_NOEXCEPT;

/*
 * Copies the paths ranked best into out; returns how many.  history is
 * room for max x cfg.history counts, or NULL for none.
 */
size_t sp_spike_ranked(void *block, const sp_spike_config_t *cfg,
    uint64_t now_ms, const sp_spike_ranking_t *ranking, sp_spike_path_t *out,
    size_t max, uint32_t *history, sp_spike_stats_t *stats) SP_NOEXCEPT;

/*
 * The groups, ranked the same way: a ranking of groups, sp_spike_rank()
 * slice by slice, then the chosen groups copied out.
 */
sp_spike_ranking_t *sp_spike_group_ranking_create(size_t max) SP_NOEXCEPT;
size_t sp_spike_ranked_groups(void *block, const sp_spike_config_t *cfg,
    uint64_t now_ms, const sp_spike_ranking_t *ranking, sp_spike_group_t *out,
    size_t max, uint32_t *history) SP_NOEXCEPT;

/*
 * The zone's own history (cfg.history counts into history, the current
 * window last) and its kept events, oldest first, at most max; returns
 * how many events.
 */
size_t sp_spike_history(void *block, const sp_spike_config_t *cfg,
    uint64_t now_ms, uint32_t *history, sp_spike_event_record_t *events,
    size_t max) SP_NOEXCEPT;

/*
 * All of the above at once, for a caller that may hold the lock that
 * long: copies the top paths into out; returns how many.
 */
size_t sp_spike_top(void *block, const sp_spike_config_t *cfg,
    uint64_t now_ms, sp_spike_path_t *out, size_t max,
    sp_spike_stats_t *stats) SP_NOEXCEPT;


/*
 * Rule hit counters kept by what a rule is, and the state file of
 * status_policy_hits_state that carries them across restarts.
 */

typedef struct {
    uint64_t     hits;
    int64_t      first;         /* UNIX time of the first hit, 0 if none */
    int64_t      last;
} sp_rule_hits_t;

/*
 * Live zones: exact and prefix rules in shared memory, changed without a
 * reload.  A set is edited in the worker's own memory (parsed from a
 * rules-file body, or loaded from the published generation), then
 * written as a new generation: one block that holds everything by
 * offset, written before it is published and not changed after, apart
 * from its hit counters (atomic).  A generation's functions take the
 * block; a block that is no generation reads as an empty one.
 */
typedef struct sp_live_set_s  sp_live_set_t;

sp_live_set_t *sp_live_set_create(void) SP_NOEXCEPT;
void sp_live_set_destroy(sp_live_set_t *set) SP_NOEXCEPT;

/*
 * Parses a rules-file body: SP_ERROR with the reason in err and the line
 * in *line for the first line a rules file refuses, a regex, or a pattern
 * given twice (*line 0 when memory ran out).
 */
int sp_live_set_parse(sp_live_set_t *set, const char *text, size_t len,
    char *err, size_t err_size, unsigned *line) SP_NOEXCEPT;

/*
 * A write to a zone whose published generation is generation (or NULL):
 * set (empty) gets the rules of the generation that publishes it.
 * SP_LIVE_POST adds the rules of more, and is SP_LIVE_CONFLICT, naming
 * the line of more in *line, if the zone holds one of their patterns;
 * SP_LIVE_PATCH adds or replaces them; SP_LIVE_DELETE removes the rule
 * of key ("= /x", "/x", "^~ /x"): SP_LIVE_MISSING if there is none,
 * SP_LIVE_BAD_KEY if key is no key.  A small change to a large zone is a
 * layer over the zone's base generation, which the generation then
 * refers to (sp_live_base()); with background, the layer may grow beyond
 * its share while the zone is written whole in the background.  The text
 * of the set stays in the generations.
 */
#define SP_LIVE_POST    0
#define SP_LIVE_PATCH   1
#define SP_LIVE_DELETE  2

int sp_live_edit(sp_live_set_t *set, const void *generation, int op,
    const sp_live_set_t *more, const char *key, size_t key_len,
    int background, unsigned *line) SP_NOEXCEPT;

/*
 * Writing a zone whole in the background, so that its layer stays small
 * without a write waiting for it (sp_live_edit() with background lets the
 * layer grow meanwhile): whether the zone's layer has grown to its share
 * of the base; set gets all the zone's rules (its text stays in the
 * generations); and once they are written (whole, from the zone as it was
 * then, from), what publishes the zone as it is now: whole as it is
 * (SP_LIVE_AS_IS), a layer over whole of the writes since, into set
 * (SP_OK), or nothing, the zone having been written whole by another
 * (SP_LIVE_STALE).
 */
int sp_live_wants_whole(const void *generation) SP_NOEXCEPT;
int sp_live_set_whole(sp_live_set_t *set, const void *generation)
    SP_NOEXCEPT;
int sp_live_rebase(sp_live_set_t *set, const void *whole, const void *from,
    const void *now) SP_NOEXCEPT;

size_t sp_live_set_count(const sp_live_set_t *set) SP_NOEXCEPT;

/* The digest a zone holding the set reports. */
uint64_t sp_live_set_digest(const sp_live_set_t *set) SP_NOEXCEPT;

/* The bytes of the set's generation, 0 if it cannot have one. */
size_t sp_live_generation_size(const sp_live_set_t *set) SP_NOEXCEPT;

/* Writes it; rules that carry (the published generation, or NULL) holds
 * with the same key, code and target keep their hit counts. */
int sp_live_generation_write(const sp_live_set_t *set, void *block,
    size_t size, const void *carry) SP_NOEXCEPT;

/* The base generation a layer is read over, or NULL. */
const void *sp_live_base(const void *generation) SP_NOEXCEPT;

size_t sp_live_count(const void *generation) SP_NOEXCEPT;
uint64_t sp_live_digest(const void *generation) SP_NOEXCEPT;

/* The zone's rule for a path alone (exact, else the longest prefix). */
uint32_t sp_live_find(const void *generation, const char *path, size_t len,
    size_t *prefix_len) SP_NOEXCEPT;

/* The rule of a key, or SP_NO_RULE. */
uint32_t sp_live_find_key(const void *generation, const char *key,
    size_t len) SP_NOEXCEPT;

/* info->source is empty: the caller names the zone. */
int sp_live_rule(const void *generation, uint32_t index,
    sp_rule_info_t *info, sp_rule_hits_t *hits) SP_NOEXCEPT;
void sp_live_count_hit(const void *generation, uint32_t index, int64_t now)
    SP_NOEXCEPT;

/* sp_ruleset_redirect() for a match with m->zone set. */
int sp_live_redirect(const void *generation, const sp_match_t *m,
    const char *path, size_t len, const char *args, size_t args_len,
    char *buf, size_t size, size_t *needed) SP_NOEXCEPT;

/*
 * sp_ruleset_match() with a zone's rules (generation may be NULL) taking
 * part as the set's own exact and prefix rules: a zone rule wins over a
 * file rule of the same pattern.  m->zone tells whose rule m->rule is.
 * rs may be NULL: a level whose only rules are the zone's.
 */
int sp_ruleset_match_live(const sp_ruleset_t *rs, const void *generation,
    const char *path, size_t len, sp_match_t *m) SP_NOEXCEPT;

/*
 * The state file: a rules file whose first line, a comment, gives the
 * count, digest and change counter.  Written atomically (write, rename).
 * Reading fails, naming the line, on any bad rule, and when the rules do
 * not have the count and digest the header says (a file cut short).
 */
int sp_live_state_write(const void *generation, const char *path,
    uint64_t changes, int64_t now, char *err, size_t err_size) SP_NOEXCEPT;
int sp_live_state_read(const char *path, sp_live_set_t *set,
    uint64_t *changes, char *err, size_t err_size, unsigned *line)
    SP_NOEXCEPT;

/*
 * The JSON answers of status_policy_api, each written as
 * sp_report_render() writes (the full length in *needed, nothing past
 * size): a rule; a page of rules after the key after (from the first
 * if it is no key), with the key to ask for the next page after, or
 * null; a zone after a write, with what was
 * done ("added", "replaced"; NULL for none) and how many; an error, with
 * the line of the body (0: none).
 */
int sp_live_json_rule(const void *generation, sp_str_t zone, uint32_t index,
    char *buf, size_t size, size_t *needed) SP_NOEXCEPT;
int sp_live_json_page(const void *generation, sp_str_t zone,
    const char *after, size_t after_len, uint32_t limit, uint64_t changes,
    char *buf, size_t size, size_t *needed) SP_NOEXCEPT;
int sp_live_json_written(const void *generation, sp_str_t zone,
    uint64_t changes, const char *what, size_t n, char *buf, size_t size,
    size_t *needed) SP_NOEXCEPT;
int sp_live_json_error(int status, sp_str_t error, unsigned line, char *buf,
    size_t size, size_t *needed) SP_NOEXCEPT;

/*
 * What a rule is, as a number: the level it is configured at (any stable
 * name the caller gives), its code, modifier, pattern and target, and
 * which of several identical rules at one level it is (0 for the first).
 */
uint64_t sp_rule_identity(sp_str_t level, const sp_rule_info_t *info,
    unsigned ordinal) SP_NOEXCEPT;

/*
 * The same in two steps: what the identities of a rule's copies share,
 * then the identity of the copy with that ordinal.
 */
uint64_t sp_rule_identity_prefix(sp_str_t level, const sp_rule_info_t *info)
    SP_NOEXCEPT;
uint64_t sp_rule_identity_of(uint64_t prefix, unsigned ordinal) SP_NOEXCEPT;

typedef struct sp_hits_state_s sp_hits_state_t;

#define SP_HITS_STATE_MISSING  1

/*
 * Reads a state file: SP_OK and *state, SP_HITS_STATE_MISSING if there is
 * no such file, or SP_ERROR with the reason ("line 3: ...") in err.
 */
int sp_hits_state_read(const char *path, sp_hits_state_t **state, char *err,
    size_t err_size) SP_NOEXCEPT;

/* When the counts of a state began (UNIX time). */
int64_t sp_hits_state_started(const sp_hits_state_t *state) SP_NOEXCEPT;

/* Returns 1 and fills *hits if the state knows the rule id, 0 if not. */
int sp_hits_state_find(const sp_hits_state_t *state, uint64_t id,
    sp_rule_hits_t *hits) SP_NOEXCEPT;

/*
 * A state to write: every loaded rule is added (so that the file knows
 * how many rules each file has), the hit ones are written.  Returns NULL
 * if memory ran out.
 */
sp_hits_state_t *sp_hits_state_create(int64_t started, int64_t now)
    SP_NOEXCEPT;
int sp_hits_state_add(sp_hits_state_t *state, uint64_t id,
    const sp_rule_hits_t *hits, sp_str_t level, const sp_rule_info_t *info)
    SP_NOEXCEPT;

/* Replaces the file at path with the state, atomically (write, rename). */
int sp_hits_state_write(const sp_hits_state_t *state, const char *path,
    char *err, size_t err_size) SP_NOEXCEPT;

void sp_hits_state_free(sp_hits_state_t *state) SP_NOEXCEPT;


/*
 * The report of status_policy_report: spike zones (their top paths, copied
 * out with sp_spike_top()) and rule hit counters, rendered as JSON,
 * Prometheus text or a self-contained HTML page.
 */

typedef enum {
    SP_REPORT_JSON = 0,
    SP_REPORT_PROMETHEUS,
    SP_REPORT_HTML
} sp_report_format_t;

typedef struct {
    sp_str_t                 name;
    sp_spike_config_t        cfg;
    const int               *codes;
    size_t                   ncodes;
    sp_spike_stats_t         stats;
    const sp_spike_path_t   *paths;
    size_t                   npaths;
    const sp_spike_group_t  *groups;
    size_t                   ngroups;
    const uint32_t          *history;       /* cfg.history counts */
    const sp_spike_event_record_t  *events;
    size_t                   nevents;
} sp_report_zone_t;

typedef struct {
    sp_str_t                 source;
    unsigned                 line;
    int                      code;
    int                      kind;          /* sp_kind_t */
    sp_str_t                 pattern;
    sp_rule_hits_t           hits;
} sp_report_rule_t;

typedef struct {
    sp_str_t                 name;
    size_t                   rules;
    uint64_t                 digest;
    uint64_t                 changes;       /* writes published */
} sp_report_live_t;

typedef struct {
    uint64_t                 now_ms;        /* wall clock */
    const sp_report_zone_t  *zones;
    size_t                   nzones;
    const sp_report_rule_t  *rules;         /* the most hit ones */
    size_t                   nrules;
    size_t                   rules_total;   /* rules configured */
    size_t                   rules_never_hit;
    int64_t                  hits_since;    /* UNIX time the counts began */
    const sp_report_live_t  *live;          /* status_policy_zone */
    size_t                   nlive;
} sp_report_t;

/*
 * Renders the report.  Returns SP_OK and sets *needed to the full length,
 * which may exceed size (nothing is written past size; buf may be NULL
 * with size 0 to ask for the length), or SP_ERROR, with *needed 0, if it
 * cannot be rendered (memory ran out).
 */
int sp_report_render(const sp_report_t *report, int format, char *buf,
    size_t size, size_t *needed) SP_NOEXCEPT;

#ifdef __cplusplus
}
#endif

#endif /* STATUS_POLICY_CORE_H */
