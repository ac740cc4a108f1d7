/// @file
/// The gRPC transport: a Transport that speaks conclave-ds's protocol (tools/ds/ds.proto) to a
/// conclave-ds process, signing every request with the bound device's MLS signature key. It
/// lives in the library conclave::ds_client (CMake package Conclave), apart from the core
/// library, so that only applications that use it link gRPC.
#pragma once

#include <chrono>
#include <memory>
#include <string>

#include "conclave/base/bytes.h"
#include "conclave/client/transport.h"
#include "conclave/crypto/provider.h"
#include "conclave/group/identity.h"

namespace conclave {

/// How make_grpc_transport() reaches the Delivery Service.
struct GrpcTransportOptions {
  /// The service's address in gRPC's form, e.g. "127.0.0.1:7000" or "dns:///ds.example:7000".
  /// The channel is plaintext: conclave-ds authenticates every request by its signature, and
  /// MLS protects the messages themselves (tools/ds/README.md, "Why signed requests rather
  /// than mutual TLS").
  std::string address;
  /// The deadline of every call; one that passes throws DeliveryError(kDeliveryUnavailable).
  std::chrono::milliseconds call_timeout{10000};
  /// Randomness for request nonces and the signature algorithms; null: openssl_provider().
  std::shared_ptr<const crypto::CryptoProvider> provider;
  /// For a further device of a registered user (basic credentials): the name of the user's
  /// device that approves this one. Empty for the user's first device.
  std::string approver_device;
  /// The approving device's signature, made with approve_device(); empty with
  /// approver_device.
  Bytes approver_signature;
};

/// A Transport to the conclave-ds at options.address. Nothing is connected until the first
/// call; a service that cannot be reached makes each call throw
/// DeliveryError(kDeliveryUnavailable). wait_for_entries() holds a Subscribe stream open
/// (a push), and keeps waiting through an outage until its timeout.
std::shared_ptr<Transport> make_grpc_transport(GrpcTransportOptions options);

/// Run on a registered device of `device.user` (whose identity is `approver`): its approval
/// of the registration of `device` with `identity`, for GrpcTransportOptions::
/// approver_signature. It signs the whole registration (name, cipher suite, credential and
/// signature key), so it can register nothing else. `provider` null: openssl_provider().
Bytes approve_device(const Identity& approver, const DeviceRef& device, const Identity& identity,
                     std::shared_ptr<const crypto::CryptoProvider> provider = nullptr);

}  // namespace conclave
