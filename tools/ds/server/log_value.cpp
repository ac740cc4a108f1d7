#include "log_value.h"

#include <cstdio>

namespace conclave::ds {

std::string log_value(std::string_view text) {
  constexpr size_t kMax = 64;
  std::string out;
  for (const char c : text.substr(0, kMax)) {
    const bool plain = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                       c == '-' || c == '_' || c == '.' || c == '@';
    if (plain) {
      out.push_back(c);
    } else {
      char hex[5];
      std::snprintf(hex, sizeof hex, "%%%02X", static_cast<unsigned char>(c));
      out += hex;
    }
  }
  if (text.size() > kMax) out += "...";
  return out.empty() ? "-" : out;
}

}  // namespace conclave::ds
