#include "vectorscan_set.hpp"

#include <cstdlib>
#include <new>
#include <string>

#if SP_HAVE_VECTORSCAN
#include <hs/hs.h>
#endif

namespace status_policy {

#if SP_HAVE_VECTORSCAN

struct VectorscanSet::Impl {
    hs_database_t *db = nullptr;
    hs_scratch_t *scratch = nullptr;
    size_t count = 0;

    ~Impl()
    {
        if (scratch != nullptr) {
            hs_free_scratch(scratch);
        }
        if (db != nullptr) {
            hs_free_database(db);
        }
    }
};

namespace {

// One pass reports each pattern once.  ALLOWEMPTY only lets
// hs_expression_info() describe a pattern that can match the empty
// string: such a pattern is not scanned (see build()).
//
// The database is vectored, scanned as one buffer: in block mode
// Vectorscan 5.4 misses a match that ends at the last byte of an 18 to
// 34-byte buffer when the set also holds a literal followed by any
// character ("xx" beside "zz.").
unsigned flags_of(bool caseless)
{
    return HS_FLAG_SINGLEMATCH | HS_FLAG_ALLOWEMPTY
           | (caseless ? HS_FLAG_CASELESS : 0);
}

int keep_lowest(unsigned id, unsigned long long, unsigned long long,
                unsigned, void *context)
{
    auto *lowest = static_cast<uint32_t *>(context);
    if (id < *lowest) {
        *lowest = id;
    }
    return 0;
}

} // namespace

namespace {

// Shapes Vectorscan 5.4.9 (Debian 12's) gets wrong: a one-character
// literal after 60-odd bytes, and a match at the end of an 18 to 34-byte
// path beside a literal followed by any character.  A library that
// misses any of them is not used: a missed match is a rule not applied.
bool finds_in_each(const std::vector<std::string_view> &patterns,
                   const std::vector<std::string> &paths)
{
    std::vector<VectorscanSet::Pattern> set;
    for (uint32_t i = 0; i < patterns.size(); i++) {
        set.push_back({patterns[i], false, i});
    }
    VectorscanSet scanner;
    std::vector<uint32_t> refused;
    if (!scanner.build(set, refused) || !refused.empty()) {
        return false;
    }
    for (const std::string &path : paths) {
        if (scanner.first_match(path.data(), path.size()) != 0) {
            return false;
        }
    }
    return true;
}

bool finds_what_it_should() noexcept
{
    try {
        std::vector<std::string> after_60, at_the_end;
        for (size_t n = 0; n < 200; n++) {
            after_60.push_back(std::string(n, '<') + "</y.php");
        }
        for (size_t n = 0; n < 40; n++) {
            at_the_end.push_back("/yA" + std::string(n, 'a') + "xx");
        }
        return finds_in_each({"p"}, after_60)
               && finds_in_each({"xx", "zz."}, at_the_end);
    } catch (...) {
        return false;
    }
}

} // namespace

bool VectorscanSet::available() noexcept
{
    static const bool trusted = finds_what_it_should();
    return trusted;
}

const char *VectorscanSet::untrusted() noexcept
{
    // hs_version() is "5.4.9 2023-..." : the number alone
    static const std::string version = [] {
        std::string v = hs_version();
        return v.substr(0, v.find(' '));
    }();
    return available() ? nullptr : version.c_str();
}

bool VectorscanSet::build(const std::vector<Pattern> &patterns,
                          std::vector<uint32_t> &refused)
{
    impl_.reset();

    // Vectorscan takes NUL-terminated patterns; one it cannot parse is
    // known before the set is compiled, so that one compile usually does.
    std::vector<std::string> texts;
    std::vector<unsigned> flags, ids;
    for (const Pattern &p : patterns) {
        std::string text(p.text);
        hs_expr_info_t *info = nullptr;
        hs_compile_error_t *error = nullptr;
        bool ok = text.find('\0') == std::string::npos
                  && hs_expression_info(text.c_str(), flags_of(p.caseless),
                                        &info, &error) == HS_SUCCESS;
        // A pattern that can match the empty string matches every path:
        // scanning it says nothing, and it runs on PCRE2, in its place
        if (ok && info != nullptr && info->min_width == 0) {
            ok = false;
        }
        if (info != nullptr) {
            std::free(info);
        }
        if (error != nullptr) {
            hs_free_compile_error(error);
        }
        if (!ok) {
            refused.push_back(p.id);
            continue;
        }
        texts.push_back(std::move(text));
        flags.push_back(flags_of(p.caseless));
        ids.push_back(p.id);
    }

    // What parses may still not compile (too large, say): the compiler
    // names the pattern, which goes back to PCRE2, and the rest is tried
    // again.
    while (!texts.empty()) {
        std::vector<const char *> pointers;
        for (const std::string &t : texts) {
            pointers.push_back(t.c_str());
        }
        hs_database_t *db = nullptr;
        hs_compile_error_t *error = nullptr;
        hs_error_t rc = hs_compile_multi(pointers.data(), flags.data(),
                                         ids.data(),
                                         static_cast<unsigned>(texts.size()),
                                         HS_MODE_VECTORED, nullptr, &db,
                                         &error);
        if (rc == HS_SUCCESS) {
            auto impl = std::make_unique<Impl>();
            impl->db = db;
            impl->count = texts.size();
            if (hs_alloc_scratch(db, &impl->scratch) != HS_SUCCESS) {
                throw std::bad_alloc();
            }
            impl_ = std::move(impl);
            return true;
        }
        int which = error != nullptr ? error->expression : -1;
        if (error != nullptr) {
            hs_free_compile_error(error);
        }
        if (which < 0 || static_cast<size_t>(which) >= texts.size()) {
            // not one pattern's fault: the whole set stays on PCRE2
            refused.insert(refused.end(), ids.begin(), ids.end());
            return false;
        }
        refused.push_back(ids[which]);
        texts.erase(texts.begin() + which);
        flags.erase(flags.begin() + which);
        ids.erase(ids.begin() + which);
    }
    return false;
}

size_t VectorscanSet::size() const noexcept
{
    return impl_ ? impl_->count : 0;
}

uint32_t VectorscanSet::first_match(const char *path, size_t len) const
{
    uint32_t lowest = UINT32_MAX;
    if (impl_) {
        const char *data[1] = {path};
        unsigned length[1] = {static_cast<unsigned>(len)};
        (void) hs_scan_vector(impl_->db, data, length, 1, 0, impl_->scratch,
                              keep_lowest, &lowest);
    }
    return lowest;
}

#else

struct VectorscanSet::Impl {};

bool VectorscanSet::available() noexcept
{
    return false;
}

const char *VectorscanSet::untrusted() noexcept
{
    return nullptr;
}

bool VectorscanSet::build(const std::vector<Pattern> &patterns,
                          std::vector<uint32_t> &refused)
{
    for (const Pattern &p : patterns) {
        refused.push_back(p.id);
    }
    return false;
}

size_t VectorscanSet::size() const noexcept
{
    return 0;
}

uint32_t VectorscanSet::first_match(const char *, size_t) const
{
    return UINT32_MAX;
}

#endif

VectorscanSet::VectorscanSet() = default;
VectorscanSet::~VectorscanSet() = default;
VectorscanSet::VectorscanSet(VectorscanSet &&) noexcept = default;
VectorscanSet &VectorscanSet::operator=(VectorscanSet &&) noexcept = default;

} // namespace status_policy
