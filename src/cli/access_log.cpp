#include "access_log.hpp"

namespace status_policy {

namespace {

bool is_digit(char c) noexcept
{
    return c >= '0' && c <= '9';
}

int hex_value(char c) noexcept
{
    if (is_digit(c)) {
        return c - '0';
    }
    c = static_cast<char>(c | 0x20);
    return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

// " 404 " or " 404" at the end: what follows the closing quote of the
// request.  Requiring it lets a raw '"' inside the request (a log written
// with escape=none) stay part of the request.
bool status_follows(std::string_view line, size_t pos, int &status)
{
    if (line.size() < pos + 4 || line[pos] != ' ' || !is_digit(line[pos + 1])
        || !is_digit(line[pos + 2]) || !is_digit(line[pos + 3])
        || (line.size() > pos + 4 && line[pos + 4] != ' ')) {
        return false;
    }
    status = (line[pos + 1] - '0') * 100 + (line[pos + 2] - '0') * 10
             + (line[pos + 3] - '0');
    return true;
}

bool body_size_follows(std::string_view line, size_t pos)
{
    // " 1234" or " -", then the end or a space
    if (pos >= line.size() || line[pos] != ' ') {
        return false;
    }
    size_t end = pos + 1;
    if (end < line.size() && line[end] == '-') {
        end++;
    } else {
        while (end < line.size() && is_digit(line[end])) {
            end++;
        }
    }
    return end > pos + 1 && (end == line.size() || line[end] == ' ');
}

} // namespace

bool parse_log_line(std::string_view line, LogEntry &entry)
{
    if (!line.empty() && line.back() == '\r') {
        line.remove_suffix(1);
    }

    // remote address, then "- user " up to the time, "[22/Nov/2026:...]"
    size_t space = line.find(' ');
    if (space == 0 || space == std::string_view::npos) {
        return false;
    }
    size_t time = line.find(" [", space);
    while (time != std::string_view::npos
           && (time + 2 >= line.size() || !is_digit(line[time + 2]))) {
        time = line.find(" [", time + 1);
    }
    if (time == std::string_view::npos) {
        return false;
    }
    size_t time_end = line.find("] \"", time);
    if (time_end == std::string_view::npos) {
        return false;
    }

    size_t request = time_end + 3;
    for (size_t quote = line.find('"', request);
         quote != std::string_view::npos;
         quote = line.find('"', quote + 1)) {
        int status = 0;
        if (status_follows(line, quote + 1, status)
            && body_size_follows(line, quote + 5)) {
            entry.request = line.substr(request, quote - request);
            entry.status = status;
            return true;
        }
    }
    return false;
}

std::string_view unescape_log_field(std::string_view field,
                                    std::string &buffer)
{
    if (field.find('\\') == std::string_view::npos) {
        return field;
    }
    buffer.clear();
    for (size_t i = 0; i < field.size(); i++) {
        char c = field[i];
        if (c == '\\' && i + 1 < field.size()) {
            char next = field[i + 1];
            if (next == 'x' && i + 3 < field.size()) {
                int high = hex_value(field[i + 2]);
                int low = hex_value(field[i + 3]);
                if (high >= 0 && low >= 0) {
                    buffer += static_cast<char>(high << 4 | low);
                    i += 3;
                    continue;
                }
            } else if (next == '"' || next == '\\') {
                buffer += next;
                i++;
                continue;
            }
        }
        buffer += c;
    }
    return buffer;
}

} // namespace status_policy
