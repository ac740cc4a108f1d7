// The Authentication Service (RFC 9750 §6): registration with proof of possession, and the
// check every later request passes (signature, timestamp window, nonce never seen before).
#pragma once

#include <cstdint>
#include <memory>
#include <string_view>

#include "accounts.h"
#include "conclave/crypto/provider.h"
#include "credential_check.h"
#include "database.h"
#include "ds.pb.h"

namespace conclave::ds {

class Authenticator {
 public:
  // `window_ms`: how far a request's timestamp may be from the server's clock, either way.
  // `credentials`: what a registration's credential must pass (its trust anchors).
  Authenticator(Database& db, std::shared_ptr<const crypto::CryptoProvider> provider,
                uint64_t window_ms, CredentialCheck credentials = CredentialCheck());

  // Register: the body names the user, device, suite, credential and signature key; the request
  // is signed with that key (proof of possession over a client-chosen nonce, bound to the user,
  // the device and a fresh timestamp). The first registration of a user name wins. A further
  // device of the user needs the approval of one of its registered devices, unless both its
  // credential and the user's first one are X.509 (the CA speaks for the name). A repeat of the
  // same registration is accepted again; anything else under a taken name is NAME_TAKEN.
  Device register_device(const v1::SignedRequest& request);

  // The registered device that signed `request` for `method`; throws DsError (UNAUTHENTICATED)
  // otherwise. The nonce is recorded before the request does anything else.
  Device authenticate(std::string_view method, const v1::SignedRequest& request);

 private:
  // The timestamp window and shape of `auth`.
  void check_fresh(const v1::Auth& auth) const;
  // Records the nonce; a nonce seen before (within the window) is REPLAYED_NONCE.
  void consume_nonce(const v1::Auth& auth);
  // One attempt of consume_nonce: one transaction.
  void record_nonce(const v1::Auth& auth);
  // Whether the body carries a valid approval by a registered device of the user. Throws
  // DsError (BAD_SIGNATURE) for an approval that names an unknown device or does not verify.
  bool approved(const v1::Auth& auth, const v1::RegisterBody& body);
  // Register's transaction, after every check: the user and device rows, unless the same
  // registration is there already. A further device of a known user only with an approval, or
  // when it and the user's first device are X.509.
  Device store_device(const v1::Auth& auth, const v1::RegisterBody& body,
                      const wire::Credential& credential, bool has_approval);

  Database& db_;
  std::shared_ptr<const crypto::CryptoProvider> provider_;
  uint64_t window_ms_;
  CredentialCheck credentials_;
};

// Milliseconds since the Unix epoch, from the system clock.
uint64_t now_ms();

}  // namespace conclave::ds
