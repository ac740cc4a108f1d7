#include "conclave/wire/message.h"

#include <string>

#include "conclave/base/error.h"

namespace conclave::wire {

namespace {

template <class T>
void read_body(codec::Reader& r, MlsMessage& m) {
  T body;
  codec::read(r, body);
  m.body = std::move(body);
}

}  // namespace

void MlsMessage::tls_encode(codec::Writer& w) const {
  codec::write(w, ProtocolVersion::kMls10);
  codec::write(w, wire_format());
  std::visit([&](const auto& b) { codec::write(w, b); }, body);
}

void MlsMessage::tls_decode(codec::Reader& r) {
  ProtocolVersion version{};
  codec::read(r, version);
  if (version != ProtocolVersion::kMls10)
    throw Error(ErrorCode::kUnsupportedProtocolVersion,
                "MLSMessage version " + std::to_string(static_cast<int>(version)));
  WireFormat wire_format{};
  codec::read(r, wire_format);  // checked enum: the five formats of §17.2
  switch (wire_format) {
    case WireFormat::kPublicMessage: return read_body<PublicMessage>(r, *this);
    case WireFormat::kPrivateMessage: return read_body<PrivateMessage>(r, *this);
    case WireFormat::kWelcome: return read_body<Welcome>(r, *this);
    case WireFormat::kGroupInfo: return read_body<GroupInfo>(r, *this);
    case WireFormat::kKeyPackage: return read_body<KeyPackage>(r, *this);
  }
}

}  // namespace conclave::wire
