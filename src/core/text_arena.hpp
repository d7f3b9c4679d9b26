// A growable byte buffer for the rules' text whose growth does not
// zero-fill: a rules file of tens of megabytes is read straight into it,
// and a string would first have cleared every byte the read overwrites.

#pragma once

#include <algorithm>
#include <cstddef>
#include <cstring>
#include <memory>
#include <string_view>

#include "large_alloc.hpp"

namespace status_policy {

class TextArena {
public:
    const char *data() const noexcept { return data_.get(); }
    size_t size() const noexcept { return size_; }
    size_t capacity() const noexcept { return capacity_; }

    bool holds(std::string_view s) const noexcept
    {
        return size_ && s.data() >= data() && s.data() + s.size() <= end();
    }

    // Makes room for n bytes in all; moves the text (and so invalidates
    // views into it) only when the room was not there yet.
    void reserve(size_t n)
    {
        if (n <= capacity_) {
            return;
        }
        Block bigger = allocate(n);
        if (size_) {
            std::memcpy(bigger.get(), data_.get(), size_);
        }
        data_ = std::move(bigger);
        capacity_ = n;
    }

    // n more bytes, left for the caller to fill, at the end.
    char *grow(size_t n)
    {
        if (size_ + n > capacity_) {
            reserve(std::max(size_ + n, 2 * capacity_));
        }
        char *p = data_.get() + size_;
        size_ += n;
        return p;
    }

    void append(std::string_view s)
    {
        if (!s.empty()) {
            std::memcpy(grow(s.size()), s.data(), s.size());
        }
    }

    void truncate(size_t n) noexcept
    {
        if (n < size_) {
            size_ = n;
        }
    }

private:
    struct Free {
        void operator()(char *p) const noexcept { large_free(p); }
    };
    using Block = std::unique_ptr<char[], Free>;

    static Block allocate(size_t n)
    {
        return Block(static_cast<char *>(large_allocate(n)));
    }

    const char *end() const noexcept { return data_.get() + size_; }

    Block data_;
    size_t size_ = 0;
    size_t capacity_ = 0;
};

} // namespace status_policy
