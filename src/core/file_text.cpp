#include "file_text.hpp"

#include <cerrno>
#include <cstring>
#include <string>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

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

std::string failure(const char *what, int err)
{
    return std::string(what) + ": " + std::strerror(err);
}

std::string too_large(unsigned long long size)
{
    return "file is too large: " + std::to_string(size)
           + " bytes, at most " + std::to_string(max_file_size)
           + " (1 GiB)";
}

} // namespace

std::string read_file_text(const std::string &path, std::string &text)
{
    // O_NONBLOCK: opening a FIFO must not wait for a writer; reads of a
    // regular file ignore it.
    Descriptor fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK));
    if (fd.get() < 0) {
        return failure("cannot open", errno);
    }

    struct stat st;
    if (::fstat(fd.get(), &st) != 0) {
        return failure("cannot stat", errno);
    }
    if (S_ISDIR(st.st_mode)) {
        return failure("cannot read", EISDIR);
    }
    if (!S_ISREG(st.st_mode)) {
        return "cannot read: not a regular file";
    }
    if (static_cast<unsigned long long>(st.st_size) > max_file_size) {
        return too_large(static_cast<unsigned long long>(st.st_size));
    }

    text.clear();
    text.reserve(static_cast<size_t>(st.st_size));

    char chunk[65536];
    for (;;) {
        ssize_t n;
        if (text.capacity() > text.size()) {
            // read straight into the reserved space
            size_t used = text.size();
            text.resize(text.capacity());
            n = ::read(fd.get(), &text[used], text.size() - used);
            text.resize(used + (n > 0 ? static_cast<size_t>(n) : 0));
        } else {
            n = ::read(fd.get(), chunk, sizeof(chunk));
            if (n > 0) {
                text.append(chunk, static_cast<size_t>(n));
            }
        }
        if (n == 0) {
            return {};
        }
        if (text.size() > max_file_size) {
            // it grew while being read
            return too_large(text.size());
        }
        if (n < 0 && errno != EINTR) {
            return failure("cannot read", errno);
        }
    }
}

} // namespace status_policy
