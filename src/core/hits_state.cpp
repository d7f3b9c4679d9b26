#include "hits_state.hpp"

#include <cerrno>
#include <charconv>
#include <cstdio>
#include <cstring>
#include <fcntl.h>
#include <unistd.h>

#include "error.hpp"
#include "file_text.hpp"
#include "text_arena.hpp"

namespace status_policy {

namespace {

constexpr std::string_view kMagic = "# status_policy hits state ";
constexpr std::string_view kVersion = "1";

// FNV-1a, 64 bits: stable across builds and machines, as a file needs
uint64_t fnv(uint64_t h, std::string_view s)
{
    for (unsigned char c : s) {
        h = (h ^ c) * 0x100000001b3ULL;
    }
    return h;
}

// A number as the decimal text a field of it holds, without allocating:
// identities are hashed for every rule of every level.
class Decimal {
public:
    explicit Decimal(uint64_t v) noexcept
        : len_(static_cast<size_t>(
              std::to_chars(buf_, buf_ + sizeof(buf_), v).ptr - buf_))
    {
    }
    std::string_view view() const noexcept { return {buf_, len_}; }

private:
    char buf_[20];
    size_t len_;
};

uint64_t fnv_field(uint64_t h, std::string_view s)
{
    // the length first, so that fields cannot run into each other
    h = fnv(h, Decimal(s.size()).view());
    h = fnv(h, ":");
    return fnv(h, s);
}

void append_field(std::string &out, std::string_view s)
{
    out += '\t';
    for (char c : s) {
        switch (c) {
        case '\\': out += "\\\\"; break;
        case '\t': out += "\\t"; break;
        case '\r': out += "\\r"; break;
        case '\n': out += "\\n"; break;
        default: out += c;
        }
    }
}

std::string unescape(std::string_view s, size_t line)
{
    std::string out;
    out.reserve(s.size());
    for (size_t i = 0; i < s.size(); i++) {
        if (s[i] != '\\') {
            out += s[i];
            continue;
        }
        char c = i + 1 < s.size() ? s[++i] : '\0';
        switch (c) {
        case '\\': out += '\\'; break;
        case 't': out += '\t'; break;
        case 'r': out += '\r'; break;
        case 'n': out += '\n'; break;
        default:
            throw Error("line " + std::to_string(line)
                        + ": a bad escape in a field");
        }
    }
    return out;
}

std::vector<std::string_view> split_tabs(std::string_view line)
{
    std::vector<std::string_view> fields;
    size_t start = 0;
    for (;;) {
        size_t tab = line.find('\t', start);
        fields.push_back(line.substr(start, tab - start));
        if (tab == std::string_view::npos) {
            return fields;
        }
        start = tab + 1;
    }
}

template <typename T>
T number(std::string_view s, size_t line, const char *what)
{
    T value{};
    auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), value);
    if (s.empty() || ec != std::errc() || end != s.data() + s.size()) {
        throw Error("line " + std::to_string(line) + ": " + what
                    + " is not a number");
    }
    return value;
}

uint64_t hex_id(std::string_view s, size_t line)
{
    uint64_t value = 0;
    auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), value, 16);
    if (s.size() != 16 || ec != std::errc() || end != s.data() + s.size()) {
        throw Error("line " + std::to_string(line)
                    + ": the rule id is not 16 hex digits");
    }
    return value;
}

Kind kind_of(std::string_view m, size_t line)
{
    for (Kind k : {Kind::prefix, Kind::exact, Kind::prefix_stop, Kind::regex,
                   Kind::regex_caseless}) {
        if (modifier_text(k) == m) {
            return k;
        }
    }
    throw Error("line " + std::to_string(line) + ": an unknown modifier");
}

StateRule parse_rule_line(const std::vector<std::string_view> &f, size_t line)
{
    if (f.size() != 12) {
        throw Error("line " + std::to_string(line) + ": a rule line has "
                    + std::to_string(f.size()) + " fields, not 12");
    }
    StateRule r;
    r.id = hex_id(f[1], line);
    r.hits.hits = number<uint64_t>(f[2], line, "the hit count");
    r.hits.first = number<int64_t>(f[3], line, "the first hit time");
    r.hits.last = number<int64_t>(f[4], line, "the last hit time");
    r.level = unescape(f[5], line);
    r.source = unescape(f[6], line);
    r.line = number<unsigned>(f[7], line, "the line");
    r.code = number<int>(f[8], line, "the code");
    r.kind = kind_of(f[9], line);
    r.pattern = unescape(f[10], line);
    r.target = unescape(f[11], line);
    return r;
}

} // namespace

uint64_t rule_identity(std::string_view level, int code, Kind kind,
                       std::string_view pattern, std::string_view target,
                       unsigned ordinal)
{
    return rule_identity_of(
        rule_identity_prefix(level, code, kind, pattern, target), ordinal);
}

uint64_t rule_identity_prefix(std::string_view level, int code, Kind kind,
                              std::string_view pattern,
                              std::string_view target) noexcept
{
    uint64_t h = 0xcbf29ce484222325ULL;
    h = fnv_field(h, level);
    h = fnv_field(h, Decimal(static_cast<uint64_t>(code)).view());
    h = fnv_field(h, modifier_text(kind));
    h = fnv_field(h, pattern);
    return fnv_field(h, target);
}

uint64_t rule_identity_of(uint64_t prefix, unsigned ordinal) noexcept
{
    return fnv_field(prefix, Decimal(ordinal).view());
}

std::string_view modifier_text(Kind kind)
{
    switch (kind) {
    case Kind::exact: return "=";
    case Kind::prefix_stop: return "^~";
    case Kind::regex: return "~";
    case Kind::regex_caseless: return "~*";
    default: return "";
    }
}

std::string state_header(int64_t started, int64_t written,
    const std::vector<std::pair<std::string, size_t>> &sources)
{
    std::string out = std::string(kMagic) + std::string(kVersion) + '\n';
    out += "started\t" + std::to_string(started) + '\n';
    out += "written\t" + std::to_string(written) + '\n';
    for (const auto &[file, rules] : sources) {
        out += "source";
        append_field(out, file);
        out += '\t' + std::to_string(rules) + '\n';
    }
    return out;
}

void append_state_rule(std::string &out, const StateRule &r)
{
    char id[17];
    std::snprintf(id, sizeof(id), "%016llx",
                  static_cast<unsigned long long>(r.id));
    out += "rule\t";
    out += id;
    out += '\t' + std::to_string(r.hits.hits) + '\t'
           + std::to_string(r.hits.first) + '\t'
           + std::to_string(r.hits.last);
    append_field(out, r.level);
    append_field(out, r.source);
    out += '\t' + std::to_string(r.line) + '\t' + std::to_string(r.code);
    append_field(out, modifier_text(r.kind));
    append_field(out, r.pattern);
    append_field(out, r.target);
    out += '\n';
}

void append_state_end(std::string &out, size_t rules)
{
    out += "end\t" + std::to_string(rules) + '\n';
}

HitsState parse_hits_state(std::string_view text)
{
    size_t eol = text.find('\n');
    std::string_view first = text.substr(0, eol);
    if (first.substr(0, kMagic.size()) != kMagic) {
        throw Error("line 1: not a status_policy hits state file");
    }
    if (first.substr(kMagic.size()) != kVersion) {
        throw Error("line 1: a state file of another format ("
                    + std::string(first.substr(kMagic.size(), 16))
                    + "), this nginx reads " + std::string(kVersion));
    }

    HitsState state;
    bool started = false, written = false, ended = false;
    size_t line = 1;
    size_t pos = eol == std::string_view::npos ? text.size() : eol + 1;

    while (pos < text.size()) {
        line++;
        eol = text.find('\n', pos);
        if (eol == std::string_view::npos) {
            throw Error("line " + std::to_string(line)
                        + ": truncated (the last line has no end)");
        }
        std::vector<std::string_view> f = split_tabs(text.substr(pos,
                                                                 eol - pos));
        pos = eol + 1;

        if (ended) {
            throw Error("line " + std::to_string(line)
                        + ": text after the end line");
        }
        if (f[0] == "rule") {
            state.rules.push_back(parse_rule_line(f, line));
        } else if (f[0] == "source" && f.size() == 3) {
            state.sources.emplace_back(unescape(f[1], line),
                                       number<size_t>(f[2], line,
                                                      "the rule count"));
        } else if (f[0] == "started" && f.size() == 2) {
            state.started = number<int64_t>(f[1], line, "the start time");
            started = true;
        } else if (f[0] == "written" && f.size() == 2) {
            state.written = number<int64_t>(f[1], line, "the write time");
            written = true;
        } else if (f[0] == "end" && f.size() == 2) {
            if (number<size_t>(f[1], line, "the rule count")
                != state.rules.size()) {
                throw Error("line " + std::to_string(line)
                            + ": the end line counts " + std::string(f[1])
                            + " rules, the file has "
                            + std::to_string(state.rules.size()));
            }
            ended = true;
        } else {
            throw Error("line " + std::to_string(line)
                        + ": not a line of a state file");
        }
    }

    if (!ended) {
        throw Error("truncated after line " + std::to_string(line)
                    + " (no end line)");
    }
    if (!started || !written) {
        throw Error("line " + std::to_string(line)
                    + ": no started or written time");
    }
    return state;
}

HitsState read_hits_state(const std::string &path)
{
    TextArena text;
    append_file_text(path, text);
    return parse_hits_state({text.data(), text.size()});
}

void write_file_atomically(const std::string &path, std::string_view text)
{
    // one temporary name per process: an old worker that exits and a new
    // one may write at the same moment
    std::string tmp = path + ".tmp." + std::to_string(::getpid());
    int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC,
                    0644);
    if (fd < 0) {
        throw Error("cannot create \"" + tmp + "\": " + std::strerror(errno));
    }

    size_t done = 0;
    while (done < text.size()) {
        ssize_t n = ::write(fd, text.data() + done, text.size() - done);
        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n <= 0) {
            int err = n < 0 ? errno : EIO;
            ::close(fd);
            ::unlink(tmp.c_str());
            throw Error("cannot write \"" + tmp + "\": "
                        + std::strerror(err));
        }
        done += static_cast<size_t>(n);
    }

    // on disk before the name points at it, so that a crash leaves the
    // old file or the new one, never a part
    int err = ::fsync(fd) == 0 ? 0 : errno;
    if (::close(fd) != 0 && err == 0) {
        err = errno;
    }
    if (err != 0) {
        ::unlink(tmp.c_str());
        throw Error("cannot write \"" + tmp + "\": " + std::strerror(err));
    }
    if (::rename(tmp.c_str(), path.c_str()) != 0) {
        int err = errno;
        ::unlink(tmp.c_str());
        throw Error("cannot rename \"" + tmp + "\" to \"" + path + "\": "
                    + std::strerror(err));
    }
}

} // namespace status_policy
