// The core's one exception for bad input: a rule, a rules file or a rule
// set that cannot be used.  The message is what nginx -t and the checker
// show, so its text is part of the interface.  Running out of memory
// stays std::bad_alloc.

#pragma once

#include <stdexcept>
#include <string>
#include <utility>

namespace status_policy {

class Error : public std::runtime_error {
public:
    explicit Error(std::string message)
        : std::runtime_error(message), message_(std::move(message))
    {
    }

    // The whole message: it may quote a token that holds a NUL byte,
    // where what() stops.
    const std::string &message() const noexcept { return message_; }

private:
    std::string message_;
};

} // namespace status_policy
