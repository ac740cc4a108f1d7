// MLSMessage, the top-level container of everything sent (RFC 9420 §6).
#pragma once

#include <variant>

#include "conclave/codec/codec.h"
#include "conclave/wire/framing.h"
#include "conclave/wire/key_package.h"
#include "conclave/wire/types.h"
#include "conclave/wire/welcome.h"

namespace conclave::wire {

struct MlsMessage {
  // The wire format is the variant's alternative; the version is always mls10.
  std::variant<PublicMessage, PrivateMessage, Welcome, GroupInfo, KeyPackage> body;

  WireFormat wire_format() const { return static_cast<WireFormat>(body.index() + 1); }

  template <class T>
  const T* get() const {
    return std::get_if<T>(&body);
  }

  // Throws kUnsupportedProtocolVersion for a version other than mls10 and kInvalidEnumValue for
  // an unknown wire format.
  void tls_encode(codec::Writer& w) const;
  void tls_decode(codec::Reader& r);
  friend bool operator==(const MlsMessage&, const MlsMessage&) = default;
};

}  // namespace conclave::wire
