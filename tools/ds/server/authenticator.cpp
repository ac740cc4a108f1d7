#include "authenticator.h"

#include <chrono>
#include <stdexcept>

#include "conclave/base/error.h"
#include "conclave/codec/codec.h"
#include "conclave/crypto/suite.h"
#include "conclave/wire/credential.h"
#include "device_approval.h"
#include "ds_error.h"
#include "request_signature.h"

namespace conclave::ds {
namespace {

constexpr size_t kMaxNameBytes = 64;
constexpr size_t kMinNonceBytes = 16;
constexpr size_t kMaxNonceBytes = 64;

DsError unauthenticated(v1::ErrorCode code, const std::string& message) {
  return DsError(grpc::StatusCode::UNAUTHENTICATED, code, message);
}

}  // namespace

uint64_t now_ms() {
  return static_cast<uint64_t>(std::chrono::duration_cast<std::chrono::milliseconds>(
                                   std::chrono::system_clock::now().time_since_epoch())
                                   .count());
}

Authenticator::Authenticator(Database& db, std::shared_ptr<const crypto::CryptoProvider> provider,
                             uint64_t window_ms, CredentialCheck credentials)
    : db_(db),
      provider_(std::move(provider)),
      window_ms_(window_ms),
      credentials_(std::move(credentials)) {}

void Authenticator::check_fresh(const v1::Auth& auth) const {
  if (auth.user().empty() || auth.device().empty())
    throw unauthenticated(v1::ERROR_CODE_BAD_SIGNATURE, "the request names no user and device");
  if (auth.nonce().size() < kMinNonceBytes || auth.nonce().size() > kMaxNonceBytes)
    throw unauthenticated(v1::ERROR_CODE_MALFORMED_REQUEST, "the nonce must be 16 to 64 bytes");
  const uint64_t now = now_ms();
  const uint64_t ts = auth.timestamp_ms();
  const uint64_t distance = ts > now ? ts - now : now - ts;
  if (distance > window_ms_)
    throw unauthenticated(v1::ERROR_CODE_STALE_TIMESTAMP,
                          "the request's timestamp is outside the server's window");
}

void Authenticator::consume_nonce(const v1::Auth& auth) {
  retry_transient([&] { record_nonce(auth); });
}

void Authenticator::record_nonce(const v1::Auth& auth) {
  Transaction tx(db_);
  // A nonce only needs remembering while its timestamp is acceptable.
  Statement purge(db_, "DELETE FROM nonces WHERE expires_ms < ?1");
  purge.bind(1, static_cast<int64_t>(now_ms()));
  purge.step();
  Statement insert(
      db_, "INSERT INTO nonces (\"user\", device, nonce, expires_ms) VALUES (?1, ?2, ?3, ?4)");
  insert.bind(1, auth.user())
      .bind(2, auth.device())
      .bind(3, as_bytes(auth.nonce()))
      .bind(4, static_cast<int64_t>(auth.timestamp_ms() + window_ms_));
  if (!insert.step_unique())
    throw unauthenticated(v1::ERROR_CODE_REPLAYED_NONCE, "the request was already received");
  tx.commit();
}

Device Authenticator::authenticate(std::string_view method, const v1::SignedRequest& request) {
  if (!request.has_auth())
    throw unauthenticated(v1::ERROR_CODE_BAD_SIGNATURE, "the request is not signed");
  const v1::Auth& auth = request.auth();
  check_fresh(auth);
  const std::optional<Device> device = find_device(db_, auth.user(), auth.device());
  // One answer for an unknown device and a bad signature: the error does not tell an
  // outsider which devices exist.
  const auto refused = [] {
    return unauthenticated(v1::ERROR_CODE_BAD_SIGNATURE,
                           "unknown device or a signature that does not verify");
  };
  if (!device) throw refused();
  const crypto::Suite suite(provider_, device->cipher_suite);
  if (!verify_request(suite, device->signature_key, method, auth.user(), auth.device(),
                      auth.timestamp_ms(), as_bytes(auth.nonce()), as_bytes(request.body()),
                      as_bytes(auth.signature())))
    throw refused();
  consume_nonce(auth);
  return *device;
}

Device Authenticator::register_device(const v1::SignedRequest& request) {
  if (!request.has_auth())
    throw unauthenticated(v1::ERROR_CODE_BAD_SIGNATURE, "the request is not signed");
  const v1::Auth& auth = request.auth();
  v1::RegisterBody body;
  if (!body.ParseFromString(request.body()))
    throw DsError(grpc::StatusCode::INVALID_ARGUMENT, v1::ERROR_CODE_MALFORMED_REQUEST,
                  "the body is not a RegisterBody");
  if (auth.user().size() > kMaxNameBytes || auth.device().size() > kMaxNameBytes)
    throw DsError(grpc::StatusCode::INVALID_ARGUMENT, v1::ERROR_CODE_MALFORMED_REQUEST,
                  "user and device names are at most 64 bytes");
  // PostgreSQL's text cannot hold a NUL: no backend stores such a name (accounts.cpp).
  if (!storable_name(auth.user()) || !storable_name(auth.device()))
    throw DsError(grpc::StatusCode::INVALID_ARGUMENT, v1::ERROR_CODE_MALFORMED_REQUEST,
                  "user and device names contain no NUL character");
  check_fresh(auth);

  std::optional<crypto::Suite> suite;
  wire::Credential credential;
  try {
    if (body.cipher_suite() > 0xffff) throw Error(ErrorCode::kUnsupportedCipherSuite, "");
    suite.emplace(provider_, static_cast<uint16_t>(body.cipher_suite()));
    credential = codec::decode<wire::Credential>(as_bytes(body.credential()));
  } catch (const Error& e) {
    throw DsError(grpc::StatusCode::INVALID_ARGUMENT, v1::ERROR_CODE_MALFORMED_REQUEST,
                  std::string("cipher suite or credential: ") + e.what());
  }
  credentials_.check(*suite, credential, auth.user(), as_bytes(body.signature_key()));
  // Proof of possession: the request is signed with the key it registers.
  if (!verify_request(*suite, as_bytes(body.signature_key()), "Register", auth.user(),
                      auth.device(), auth.timestamp_ms(), as_bytes(auth.nonce()),
                      as_bytes(request.body()), as_bytes(auth.signature())))
    throw unauthenticated(v1::ERROR_CODE_BAD_SIGNATURE,
                          "the request is not signed with the key being registered");
  const bool has_approval = approved(auth, body);
  consume_nonce(auth);
  return retry_transient([&] { return store_device(auth, body, credential, has_approval); });
}

bool Authenticator::approved(const v1::Auth& auth, const v1::RegisterBody& body) {
  if (body.approver_device().empty() && body.approver_signature().empty()) return false;
  // Devices are never deleted, so an approver found here is still there in store_device.
  const std::optional<Device> approver = find_device(db_, auth.user(), body.approver_device());
  // One answer for an unknown approver and a bad signature, as for requests.
  if (!approver ||
      !verify_device_approval(
          crypto::Suite(provider_, approver->cipher_suite), approver->signature_key, auth.user(),
          auth.device(), static_cast<uint16_t>(body.cipher_suite()), as_bytes(body.credential()),
          as_bytes(body.signature_key()), as_bytes(body.approver_signature())))
    throw unauthenticated(v1::ERROR_CODE_BAD_SIGNATURE,
                          "the approving device is not the user's or its signature does not "
                          "verify");
  return true;
}

Device Authenticator::store_device(const v1::Auth& auth, const v1::RegisterBody& body,
                                   const wire::Credential& credential, bool has_approval) {
  Transaction tx(db_);
  if (const auto existing = find_device(db_, auth.user(), auth.device())) {
    if (existing->signature_key == to_bytes(body.signature_key()) &&
        existing->cipher_suite == body.cipher_suite() &&
        existing->credential == to_bytes(body.credential()))
      return *existing;  // the same registration again (a retry)
    throw DsError(grpc::StatusCode::ALREADY_EXISTS, v1::ERROR_CODE_NAME_TAKEN,
                  "the device is registered with another key");
  }
  std::optional<Bytes> first_credential;
  {
    Statement user(db_, "SELECT credential FROM users WHERE name = ?1");
    user.bind(1, auth.user());
    if (user.step()) first_credential = user.column_blob(0);
  }
  if (first_credential) {
    // A user name is claimed by its first device. A basic credential proves nothing about
    // who else may use the name, so further devices need one of the user's devices to agree;
    // a name first claimed by certificate is the CA's to give, and a verified certificate for
    // it (credentials_.check) is the proof.
    const bool by_certificate =
        credential.credential_type == wire::CredentialType::kX509 &&
        codec::decode<wire::Credential>(*first_credential).credential_type ==
            wire::CredentialType::kX509;
    if (!has_approval && !by_certificate)
      throw DsError(grpc::StatusCode::ALREADY_EXISTS, v1::ERROR_CODE_NAME_TAKEN,
                    "the user name is taken: a further device needs the approval of one of the "
                    "user's devices");
  } else {
    Statement insert_user(db_, "INSERT INTO users (name, credential) VALUES (?1, ?2)");
    insert_user.bind(1, auth.user()).bind(2, as_bytes(body.credential()));
    // Another process may have claimed the name since the SELECT: first registration wins.
    if (!insert_user.step_unique())
      throw DsError(grpc::StatusCode::ALREADY_EXISTS, v1::ERROR_CODE_NAME_TAKEN,
                    "the user name is taken");
  }
  int64_t id = 0;
  {
    Statement insert_device(db_,
                            "INSERT INTO devices (\"user\", device, cipher_suite, credential, "
                            "signature_key) VALUES (?1, ?2, ?3, ?4, ?5) RETURNING id");
    insert_device.bind(1, auth.user())
        .bind(2, auth.device())
        .bind(3, static_cast<int64_t>(body.cipher_suite()))
        .bind(4, as_bytes(body.credential()))
        .bind(5, as_bytes(body.signature_key()));
    if (!insert_device.step()) throw std::runtime_error("the device was not stored");
    id = insert_device.column_int(0);
  }
  tx.commit();
  return *find_device(db_, id);
}

}  // namespace conclave::ds
