// One field of conclave-ds's key=value log lines.
#pragma once

#include <string>
#include <string_view>

namespace conclave::ds {

// `text` as a log value: at most 64 characters, anything but a plain name character
// ([A-Za-z0-9._@-]) escaped as %XX, "-" when empty. Names come from requests before
// authentication and reasons from exceptions: escaped, a log line stays one line.
std::string log_value(std::string_view text);

}  // namespace conclave::ds
