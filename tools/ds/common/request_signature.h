// What a device signs to authenticate a request to conclave-ds (tools/ds/README.md).
//
// Shared by the server, which verifies, and by clients (the tests), which sign: the signed
// content is defined in exactly one place.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "conclave/base/bytes.h"
#include "conclave/codec/codec.h"
#include "conclave/crypto/suite.h"

namespace conclave::ds {

// The label of SignWithLabel (RFC 9420 §5.1.2): "MLS 1.0 conclave-ds request". No MLS structure
// is signed under it, so a request signature can never pass for an MLS signature or back.
inline constexpr std::string_view kRequestLabel = "conclave-ds request";

// struct {
//   opaque method<V>; opaque user<V>; opaque device<V>;
//   uint64 timestamp_ms; opaque nonce<V>; opaque body<V>;
// } RequestTbs;
// The method binds the signature to one call, so a signed Fetch can never be replayed as an Ack
// with the same body bytes.
struct RequestTbs {
  Bytes method;
  Bytes user;
  Bytes device;
  uint64_t timestamp_ms = 0;
  Bytes nonce;
  Bytes body;
  CONCLAVE_TLS_FIELDS(method, user, device, timestamp_ms, nonce, body)
};

Bytes request_tbs(std::string_view method, std::string_view user, std::string_view device,
                  uint64_t timestamp_ms, BytesView nonce, BytesView body);

Bytes sign_request(const crypto::Suite& suite, BytesView private_key, std::string_view method,
                   std::string_view user, std::string_view device, uint64_t timestamp_ms,
                   BytesView nonce, BytesView body);

// False when the signature does not verify, also for a malformed public key.
bool verify_request(const crypto::Suite& suite, BytesView public_key, std::string_view method,
                    std::string_view user, std::string_view device, uint64_t timestamp_ms,
                    BytesView nonce, BytesView body, BytesView signature);

}  // namespace conclave::ds
