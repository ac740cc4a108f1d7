/// @file
/// Byte strings shared by every layer.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace conclave {

/// An owned byte string: encoded messages, public keys, identifiers.
using Bytes = std::vector<uint8_t>;
/// A read-only view of bytes owned elsewhere.
using BytesView = std::span<const uint8_t>;

/// Views the characters of a string as bytes (labels, identities).
inline BytesView as_bytes(std::string_view s) {
  return {reinterpret_cast<const uint8_t*>(s.data()), s.size()};
}

/// Copies a view into owned bytes.
inline Bytes to_bytes(BytesView v) {
  return Bytes(v.begin(), v.end());
}
/// Copies the characters of a string into owned bytes.
inline Bytes to_bytes(std::string_view s) {
  return to_bytes(as_bytes(s));
}

/// Lower-case hex, two digits per byte.
std::string to_hex(BytesView data);
/// Throws Error(ErrorCode::kInvalidHex) on odd length or a non-hex digit.
Bytes from_hex(std::string_view hex);

/// Constant-time equality: the time taken depends only on the lengths, never on where the
/// inputs differ. Use it for every MAC, tag and secret comparison.
bool constant_time_equal(BytesView a, BytesView b);

/// Overwrites memory in a way the compiler may not optimize away.
void secure_wipe(void* data, size_t size);

}  // namespace conclave
