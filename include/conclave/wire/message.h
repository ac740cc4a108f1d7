/// @file
/// MLSMessage, the top-level container of everything sent (RFC 9420 §6).
#pragma once

#include <variant>

#include "conclave/codec/codec.h"
#include "conclave/wire/framing.h"
#include "conclave/wire/key_package.h"
#include "conclave/wire/types.h"
#include "conclave/wire/welcome.h"

namespace conclave::wire {

/// §6: MLSMessage, the version and wire format around what is sent: a handshake or application
/// message, a Welcome, a GroupInfo or a KeyPackage.
struct MlsMessage {
  /// The wire format is the variant's alternative; the version is always mls10.
  std::variant<PublicMessage, PrivateMessage, Welcome, GroupInfo, KeyPackage> body;

  /// The wire format of the body.
  WireFormat wire_format() const { return static_cast<WireFormat>(body.index() + 1); }

  /// The body if it is a T, else null.
  template <class T>
  const T* get() const {
    return std::get_if<T>(&body);
  }

  /// Writes the wire encoding.
  void tls_encode(codec::Writer& w) const;
  /// Reads the wire encoding. Throws kUnsupportedProtocolVersion for a version other than mls10
  /// and kInvalidEnumValue for an unknown wire format.
  void tls_decode(codec::Reader& r);
  /// Field by field.
  friend bool operator==(const MlsMessage&, const MlsMessage&) = default;

  /// The message as sent on the wire, and back: bytes in, bytes out, for applications that
  /// need no other wire type. from_bytes() refuses trailing bytes and anything else the
  /// decoding rules refuse (the Error names the rule).
  Bytes to_bytes() const { return codec::encode(*this); }
  /// The message decoded from `bytes` (see to_bytes()).
  static MlsMessage from_bytes(BytesView bytes) { return codec::decode<MlsMessage>(bytes); }
};

}  // namespace conclave::wire
