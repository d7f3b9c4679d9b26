#include "zone_lint.hpp"

#include <cstdio>
#include <fstream>
#include <iterator>
#include <memory>

#include "status_policy_core.h"

namespace check_tool {

namespace {

struct SetDeleter {
    void operator()(sp_live_set_t *set) const noexcept
    {
        sp_live_set_destroy(set);
    }
};

} // namespace

int lint_zone_bodies(const std::vector<std::string> &files)
{
    int status = 0;
    for (const std::string &file : files) {
        std::ifstream in(file, std::ios::binary);
        if (!in) {
            std::fprintf(stderr, "%s: cannot open\n", file.c_str());
            status = 1;
            continue;
        }
        std::string body((std::istreambuf_iterator<char>(in)),
                         std::istreambuf_iterator<char>());
        std::unique_ptr<sp_live_set_t, SetDeleter> set(sp_live_set_create());
        char err[1024] = "";
        unsigned line = 0;
        if (!set
            || sp_live_set_parse(set.get(), body.data(), body.size(), err,
                                 sizeof(err), &line)
                   != SP_OK) {
            std::fprintf(stderr, "%s:%u: %s\n", file.c_str(), line,
                         set ? err : "out of memory");
            status = 1;
            continue;
        }
        std::printf("%s: %zu rules, digest %016llx\n", file.c_str(),
                    sp_live_set_count(set.get()),
                    static_cast<unsigned long long>(
                        sp_live_set_digest(set.get())));
    }
    return status;
}

} // namespace check_tool
