#include "key_directory.h"

#include <set>
#include <string>
#include <vector>

#include "conclave/base/error.h"
#include "conclave/codec/codec.h"
#include "conclave/crypto/suite.h"
#include "conclave/group/identity.h"
#include "conclave/wire/message.h"
#include "ds_error.h"

namespace conclave::ds {
namespace {

// A bound on one request's work; a client publishes its stock in batches.
constexpr int kMaxPerRequest = 256;

struct Checked {
  Bytes ref;
  Bytes data;
  bool last_resort = false;
  uint64_t not_after = 0;
};

DsError invalid(const std::string& message) {
  return DsError(grpc::StatusCode::INVALID_ARGUMENT, v1::ERROR_CODE_INVALID_KEY_PACKAGE, message);
}

}  // namespace

KeyDirectory::KeyDirectory(Database& db, std::shared_ptr<const crypto::CryptoProvider> provider,
                           uint64_t max_per_device)
    : db_(db), provider_(std::move(provider)), max_per_device_(max_per_device) {}

v1::PublishKeyPackagesReply KeyDirectory::publish(const Device& device,
                                                  const v1::PublishKeyPackagesBody& body) {
  if (body.key_packages_size() == 0 || body.key_packages_size() > kMaxPerRequest)
    throw DsError(grpc::StatusCode::INVALID_ARGUMENT, v1::ERROR_CODE_MALFORMED_REQUEST,
                  "publish 1 to 256 KeyPackages per request");
  const crypto::Suite suite(provider_, device.cipher_suite);
  const uint64_t now = unix_time_now();
  std::vector<Checked> checked;
  for (int i = 0; i < body.key_packages_size(); ++i) {
    const std::string& data = body.key_packages(i);
    std::string which = "KeyPackage ";
    which += std::to_string(i);
    wire::KeyPackage kp;
    try {
      auto message = codec::decode<wire::MlsMessage>(as_bytes(data));
      const auto* inner = message.get<wire::KeyPackage>();
      if (!inner) throw invalid(which + ": the MLSMessage does not hold a KeyPackage");
      kp = *inner;
    } catch (const Error& e) {
      throw invalid(which + ": " + e.what());
    }
    if (kp.cipher_suite != device.cipher_suite)
      throw invalid(which + ": not in the device's cipher suite");
    // A KeyPackage in another device's name would let its publisher read what is sent to
    // that device: the keys must be the registered ones.
    if (kp.leaf_node.signature_key != device.signature_key ||
        codec::encode(kp.leaf_node.credential) != device.credential)
      throw DsError(grpc::StatusCode::PERMISSION_DENIED, v1::ERROR_CODE_NOT_YOUR_KEY_PACKAGE,
                    which + ": its signature key or credential is not this device's");
    try {
      tree::LeafPolicy policy;
      policy.now = now;
      validate_key_package(suite, kp, policy);
    } catch (const Error& e) {
      throw invalid(which + ": " + e.what());
    }
    checked.push_back({suite.make_key_package_ref(codec::encode(kp)), to_bytes(as_bytes(data)),
                       is_last_resort(kp), kp.leaf_node.lifetime.not_after});
  }

  Transaction tx(db_);
  // The limit counts what the device would hold: its unexpired KeyPackages and the new ones
  // (those already stored are not stored again).
  uint64_t held = 0;
  {
    Statement count(db_,
                    "SELECT COUNT(*) FROM key_packages WHERE device_id = ?1 AND not_after >= ?2");
    count.bind(1, device.id).bind(2, static_cast<int64_t>(now));
    if (count.step()) held = static_cast<uint64_t>(count.column_int(0));
  }
  std::set<std::string> counted;  // refs, as strings (GCC 12 misreads vector comparisons)
  for (const Checked& c : checked) {
    if (!counted.insert(std::string(c.ref.begin(), c.ref.end())).second) continue;
    Statement known(db_, "SELECT 1 FROM key_packages WHERE ref = ?1");
    known.bind(1, c.ref);
    if (!known.step()) ++held;
  }
  if (held > max_per_device_) {
    std::string message = "a device holds at most ";
    message += std::to_string(max_per_device_);
    message += " KeyPackages";
    throw DsError(grpc::StatusCode::RESOURCE_EXHAUSTED, v1::ERROR_CODE_TOO_MANY_KEY_PACKAGES,
                  message);
  }
  uint32_t stored = 0;
  for (const Checked& c : checked) {
    Statement insert(db_,
                     "INSERT INTO key_packages (device_id, ref, data, last_resort, not_after) "
                     "VALUES (?1, ?2, ?3, ?4, ?5) ON CONFLICT DO NOTHING RETURNING id");
    insert.bind(1, device.id)
        .bind(2, c.ref)
        .bind(3, c.data)
        .bind(4, int64_t{c.last_resort ? 1 : 0})
        .bind(5, static_cast<int64_t>(c.not_after));
    // No row: already stored (publishing is idempotent). Not a refused INSERT, after which
    // PostgreSQL would abort the transaction.
    if (insert.step()) ++stored;
  }
  tx.commit();
  v1::PublishKeyPackagesReply reply;
  reply.set_stored(stored);
  return reply;
}

v1::FetchKeyPackagesReply KeyDirectory::fetch(const v1::FetchKeyPackagesBody& body) {
  const std::vector<Device> devices = devices_of_user(db_, body.user());
  if (devices.empty())
    throw DsError(grpc::StatusCode::NOT_FOUND, v1::ERROR_CODE_UNKNOWN_USER, "no such user");
  const auto now = static_cast<int64_t>(unix_time_now());
  v1::FetchKeyPackagesReply reply;
  // One transaction for the whole user: a fetch hands out a complete set or nothing.
  Transaction tx(db_);
  for (const Device& device : devices) {
    Statement expired(db_, "DELETE FROM key_packages WHERE device_id = ?1 AND not_after < ?2");
    expired.bind(1, device.id).bind(2, now);
    expired.step();
    // Ordinary ones first, oldest first; the last_resort one only when none is left.
    Statement pick(db_,
                   "SELECT id, data, last_resort FROM key_packages WHERE device_id = ?1 "
                   "ORDER BY last_resort, id LIMIT 1");
    pick.bind(1, device.id);
    if (!pick.step()) {
      reply.add_exhausted_devices(device.device);
      continue;
    }
    const int64_t id = pick.column_int(0);
    const Bytes data = pick.column_blob(1);
    const bool last_resort = pick.column_int(2) != 0;
    if (!last_resort) {
      Statement consume(db_, "DELETE FROM key_packages WHERE id = ?1");
      consume.bind(1, id);
      consume.step();
    }
    auto* entry = reply.add_key_packages();
    entry->set_device(device.device);
    entry->set_key_package(std::string(data.begin(), data.end()));
    entry->set_last_resort(last_resort);
  }
  tx.commit();
  return reply;
}

}  // namespace conclave::ds
