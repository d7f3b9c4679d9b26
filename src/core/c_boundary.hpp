// What every C entry point of the core shares: whatever the core throws
// becomes SP_ERROR and a message in the caller's buffer, never an
// exception that crosses into nginx.

#pragma once

#include "status_policy_core.h"

#include <cstddef>
#include <exception>
#include <new>
#include <string_view>

#include "error.hpp"

namespace status_policy {

// Writes message into err (size bytes with the NUL), binary bytes shown
// as \xHH and a long message cut in its middle.  err may be NULL.
void set_error(char *err, size_t size, std::string_view message) noexcept;

// Runs fn and maps what it throws to SP_ERROR and a message: an Error's
// reason as it is, "out of memory" for std::bad_alloc.
template <typename Fn>
int guarded(char *err, size_t size, Fn &&fn) noexcept
{
    try {
        fn();
        return SP_OK;
    } catch (const Error &e) {
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

inline std::string_view view(sp_str_t s) noexcept
{
    return s.data ? std::string_view(s.data, s.len) : std::string_view();
}

} // namespace status_policy
