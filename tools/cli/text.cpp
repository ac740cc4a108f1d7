#include "text.h"

#include <algorithm>

namespace conclave::cli {
namespace {

constexpr std::string_view kHexPrefix = "hex:";
constexpr std::string_view kReplacement = "\xEF\xBF\xBD";  // U+FFFD

bool graphic(uint8_t c) {
  return c > 0x20 && c < 0x7f;
}

// The length of the UTF-8 sequence starting at text[i] and its code point, or 0 when the bytes
// there are not a well-formed sequence (overlong forms and surrogates included).
size_t utf8_sequence(BytesView text, size_t i, uint32_t& code_point) {
  const uint8_t lead = text[i];
  size_t length = 0;
  uint32_t min = 0;
  if (lead < 0x80) {
    code_point = lead;
    return 1;
  } else if ((lead & 0xE0) == 0xC0) {
    length = 2, min = 0x80, code_point = lead & 0x1F;
  } else if ((lead & 0xF0) == 0xE0) {
    length = 3, min = 0x800, code_point = lead & 0x0F;
  } else if ((lead & 0xF8) == 0xF0) {
    length = 4, min = 0x10000, code_point = lead & 0x07;
  } else {
    return 0;
  }
  if (i + length > text.size()) return 0;
  for (size_t k = 1; k < length; ++k) {
    if ((text[i + k] & 0xC0) != 0x80) return 0;
    code_point = (code_point << 6) | (text[i + k] & 0x3F);
  }
  if (code_point < min || code_point > 0x10FFFF) return 0;
  if (code_point >= 0xD800 && code_point <= 0xDFFF) return 0;
  return length;
}

}  // namespace

bool is_valid_name(std::string_view name) {
  return !name.empty() && name.size() <= 64 &&
         std::all_of(name.begin(), name.end(), [](char c) { return graphic(uint8_t(c)); });
}

std::string group_label(BytesView group_id) {
  const std::string name(group_id.begin(), group_id.end());
  if (is_valid_name(name) && !name.starts_with(kHexPrefix)) return name;
  return std::string(kHexPrefix) + to_hex(group_id);
}

Bytes group_id_from_label(std::string_view label) {
  if (label.starts_with(kHexPrefix)) return from_hex(label.substr(kHexPrefix.size()));
  return to_bytes(label);
}

std::string device_label(const DeviceRef& device) {
  std::string label = printable_text(as_bytes(device.user));
  if (device.device != kDefaultDevice)
    label += " (device " + printable_text(as_bytes(device.device)) + ")";
  return label;
}

std::string member_label(const DeviceRef& device, bool is_self) {
  if (!is_self) return device_label(device);
  std::string label = printable_text(as_bytes(device.user));
  if (device.device != kDefaultDevice)
    return label + " (device " + printable_text(as_bytes(device.device)) + ", you)";
  return label + " (you)";
}

std::string printable_text(BytesView text) {
  std::string out;
  out.reserve(text.size());
  for (size_t i = 0; i < text.size();) {
    uint32_t cp = 0;
    const size_t length = utf8_sequence(text, i, cp);
    if (length == 0) {
      out += kReplacement;
      ++i;
      continue;
    }
    if (cp == '\n' || cp == '\t') {
      out += ' ';
    } else if (cp < 0x20 || cp == 0x7f || (cp >= 0x80 && cp < 0xa0)) {
      out += kReplacement;
    } else {
      out.append(reinterpret_cast<const char*>(text.data() + i), length);
    }
    i += length;
  }
  return out;
}

}  // namespace conclave::cli
