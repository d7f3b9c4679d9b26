#include "c_boundary.hpp"

#include <cstddef>

#include "escape.hpp"

namespace status_policy {

namespace {

// Messages are cut to this length: with the directive's name in front,
// they fit nginx's 1024-byte configuration error and one log line.
constexpr size_t kMessageMax = 900;

} // namespace

// Writes the message into err with control bytes and bytes from 0x7F up
// as \xHH (a message quotes tokens that may be binary: no NUL may cut it
// short, no escape sequence reach a terminal), and cut in the middle
// with "..." when longer than kMessageMax or size, so that both the place
// at its start and the reason at its end stay.
void set_error(char *err, size_t size, std::string_view message) noexcept
{
    if (err == nullptr || size == 0) {
        return;
    }

    auto width = [](unsigned char c) -> size_t {
        return c < 0x20 || c >= 0x7F ? hex_escape_length : 1;
    };

    size_t room = (size - 1 < kMessageMax ? size - 1 : kMessageMax);
    size_t total = 0;
    for (char c : message) {
        total += width(static_cast<unsigned char>(c));
    }

    // the bytes shown: all, or [0, head) and [tail, end)
    size_t head = message.size(), tail = message.size();
    if (total > room) {
        size_t keep = room > 3 ? room - 3 : 0;
        size_t head_room = keep * 2 / 3, tail_room = keep - head_room;
        size_t used = 0;
        for (head = 0; head < message.size(); head++) {
            size_t w = width(static_cast<unsigned char>(message[head]));
            if (used + w > head_room) {
                break;
            }
            used += w;
        }
        used = 0;
        for (tail = message.size(); tail > head; tail--) {
            size_t w = width(static_cast<unsigned char>(message[tail - 1]));
            if (used + w > tail_room) {
                break;
            }
            used += w;
        }
    }

    char *p = err, *last = err + size - 1;
    auto put = [&](unsigned char c) {
        if (width(c) == 1) {
            if (p < last) {
                *p++ = static_cast<char>(c);
            }
        } else if (last - p >= static_cast<ptrdiff_t>(hex_escape_length)) {
            put_hex_escape(p, c);
            p += hex_escape_length;
        }
    };

    for (size_t i = 0; i < head; i++) {
        put(static_cast<unsigned char>(message[i]));
    }
    if (head < message.size()) {
        for (size_t i = 0; i < 3 && p < last; i++) {
            *p++ = '.';
        }
        for (size_t i = tail; i < message.size(); i++) {
            put(static_cast<unsigned char>(message[i]));
        }
    }
    *p = '\0';
}

} // namespace status_policy
