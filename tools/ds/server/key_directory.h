// The KeyPackage directory (RFC 9750 §5.1, RFC 9420 §10): devices publish KeyPackages, other
// clients fetch one per device of a user to add it to a group.
#pragma once

#include <cstdint>
#include <memory>

#include "accounts.h"
#include "conclave/crypto/provider.h"
#include "database.h"
#include "ds.pb.h"

namespace conclave::ds {

class KeyDirectory {
 public:
  // A device holds at most `max_per_device` unexpired KeyPackages.
  KeyDirectory(Database& db, std::shared_ptr<const crypto::CryptoProvider> provider,
               uint64_t max_per_device);

  // Validates every KeyPackage (RFC 9420 §10.1 as far as a server can: version, suite, both
  // signatures, lifetime now, the leaf's rules) and that it is the device's own (its signature
  // key and credential are the registered ones); stores all of them or none. A KeyPackage
  // already stored (same KeyPackageRef) is not stored twice. A publish that would leave the
  // device more than the limit is refused whole (TOO_MANY_KEY_PACKAGES).
  v1::PublishKeyPackagesReply publish(const Device& device, const v1::PublishKeyPackagesBody& body);

  // One KeyPackage per device of `user`, each taken in one transaction with its deletion, so
  // no two fetches get the same one. A last_resort KeyPackage is handed out only when its
  // device has no other left, and is never deleted. Expired ones are dropped on the way.
  v1::FetchKeyPackagesReply fetch(const v1::FetchKeyPackagesBody& body);

 private:
  Database& db_;
  std::shared_ptr<const crypto::CryptoProvider> provider_;
  uint64_t max_per_device_;
};

}  // namespace conclave::ds
