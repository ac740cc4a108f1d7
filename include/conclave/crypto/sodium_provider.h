/// @file
/// A CryptoProvider that does Ed25519 and X25519 with libsodium and hands everything else to a
/// base provider it wraps (usually openssl_provider()).
///
/// The library is built with libsodium when CMake finds it (option CONCLAVE_WITH_SODIUM);
/// sodium_available() says whether the provider can be made. Both functions exist either way,
/// so an application needs no conditional compilation.
///
/// Behaviour is that of the OpenSSL provider, case by case, on everything the provider contract
/// (provider.h) specifies:
///  - Ed25519 private keys are RFC 8032 seeds; public keys and signatures are the RFC 8032 bytes.
///    sign() and signature_public_key() give the same bytes as OpenSSL (EdDSA is deterministic).
///  - verify() answers as the base provider does for every input. libsodium's check is stricter
///    than RFC 8032 §5.1.7's and OpenSSL's: it refuses public keys and R of small order and
///    non-canonical public keys, which OpenSSL accepts when the (cofactorless) equation holds.
///    Every signature libsodium accepts, a base following RFC 8032 (OpenSSL does) accepts too,
///    so a signature libsodium refuses is asked of the base again. Members on either backend
///    then never disagree about a signature (a disagreement would split a group); a valid
///    signature costs libsodium alone, an invalid one both.
///  - X25519: dh() throws kInvalidPublicKey for an all-zero result (RFC 9180 §7.1.4) and for
///    keys of the wrong length; dh_check_public_key() refuses the same small-order encodings as
///    the OpenSSL provider (RFC 7748 §5: the top bit ignored).
///
/// Randomness is the base's. The only difference left is in the messages of the errors thrown
/// (the codes are the same).
#pragma once

#include <memory>

#include "conclave/crypto/provider.h"

namespace conclave::crypto {

/// True when the library was built with libsodium and sodium_init() succeeded (it is called
/// once per process, on first use; thread-safe).
bool sodium_available();

/// A provider doing Ed25519 (signatures) and X25519 (DHKEM(X25519, HKDF-SHA256): suites 1 and
/// 3) with libsodium, and every other primitive, scheme and the randomness with `base`, which
/// must not be null. Throws Error(kUnsupportedAlgorithm) when sodium_available() is false, and
/// Error(kInvalidArgument) for a null base.
std::shared_ptr<const CryptoProvider> sodium_provider(std::shared_ptr<const CryptoProvider> base);

}  // namespace conclave::crypto
