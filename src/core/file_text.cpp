#include "file_text.hpp"

#include <cerrno>
#include <cstring>
#include <string>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "error.hpp"

namespace status_policy {

namespace {

class Descriptor {
public:
    explicit Descriptor(int fd) noexcept : fd_(fd) {}
    ~Descriptor()
    {
        if (fd_ >= 0) {
            ::close(fd_);
        }
    }
    Descriptor(const Descriptor &) = delete;
    Descriptor &operator=(const Descriptor &) = delete;

    int get() const noexcept { return fd_; }

private:
    int fd_;
};

Error failure(const char *what, int err)
{
    return Error(std::string(what) + ": " + std::strerror(err));
}

Error too_large(unsigned long long size)
{
    return Error("file is too large: " + std::to_string(size)
                 + " bytes, at most " + std::to_string(max_file_size)
                 + " (1 GiB)");
}

} // namespace

void append_file_text(const std::string &path, TextArena &text,
                      size_t headroom)
{
    // O_NONBLOCK: opening a FIFO must not wait for a writer; reads of a
    // regular file ignore it.
    Descriptor fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK));
    if (fd.get() < 0) {
        throw failure("cannot open", errno);
    }

    struct stat st;
    if (::fstat(fd.get(), &st) != 0) {
        throw failure("cannot stat", errno);
    }
    if (S_ISDIR(st.st_mode)) {
        throw failure("cannot read", EISDIR);
    }
    if (!S_ISREG(st.st_mode)) {
        throw Error("cannot read: not a regular file");
    }
    if (static_cast<unsigned long long>(st.st_size) > max_file_size) {
        throw too_large(static_cast<unsigned long long>(st.st_size));
    }

    size_t start = text.size();
    auto expected = static_cast<size_t>(st.st_size);
    text.reserve(start + expected * (1 + headroom) + 1);

    for (;;) {
        // Read straight into the string: what the file still should hold
        // plus one byte, to see its end; more if it grew meanwhile.
        size_t used = text.size();
        size_t end = start + expected + 1;
        size_t want = used < end ? end - used : 65536;
        ssize_t n = ::read(fd.get(), text.grow(want), want);
        text.truncate(used + (n > 0 ? static_cast<size_t>(n) : 0));

        if (n == 0) {
            break;
        }
        if (text.size() - start > max_file_size) {
            // it grew while being read
            throw too_large(text.size() - start);
        }
        if (n < 0 && errno != EINTR) {
            throw failure("cannot read", errno);
        }
    }

    // A file being written meanwhile would be half old, half new, and
    // the room reserved behind it for the size it had is not there.
    size_t got = text.size() - start;
    if (got != expected) {
        throw Error("changed while being read (" + std::to_string(expected)
                    + " bytes when opened, " + std::to_string(got)
                    + " read); try again");
    }
}

} // namespace status_policy
