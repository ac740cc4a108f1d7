/// @file
/// The KeyPackages a client has published and the private keys that belong with them (RFC 9420
/// §10), by KeyPackageRef (§5.2). Group::join(..., KeyPackageStore&, ...) takes the bundle a
/// Welcome is addressed to from here and deletes it once the join succeeds, unless the package
/// is last-resort (extension type 0x000A), which is kept for reuse.
#pragma once

#include <cstddef>
#include <memory>
#include <utility>
#include <vector>

#include "conclave/base/bytes.h"
#include "conclave/crypto/provider.h"
#include "conclave/crypto/suite.h"
#include "conclave/group/identity.h"
#include "conclave/storage/storage_provider.h"

namespace conclave {

/// The bundles of the KeyPackages a client has published (see the file comment above); in
/// memory, or kept in a StorageProvider (open()).
class KeyPackageStore {
 public:
  /// An empty store in memory only.
  KeyPackageStore() = default;
  /// A store kept in `storage`, one record per bundle: every stored bundle is loaded, and add()
  /// and remove() write through before they return. Group::join from it consumes the bundle in
  /// the same transaction that stores the new group, so no process uses a one-time KeyPackage
  /// twice (the second gets kStorageConflict). kStorageCorrupt for a damaged record.
  static KeyPackageStore open(std::shared_ptr<const crypto::CryptoProvider> provider,
                              std::shared_ptr<storage::StorageProvider> storage);
  /// The StorageProvider it writes through; null for a store in memory only.
  const std::shared_ptr<storage::StorageProvider>& storage() const { return storage_; }
  /// For Group::join: adds to `batch` the consumption of the bundle `ref` (nothing for a
  /// last-resort one, which stays usable); forget() drops it here once the batch committed.
  void consume_in(storage::WriteBatch& batch, BytesView ref) const;
  /// Drops the bundle `ref` from memory, once the batch of consume_in() has committed.
  void forget(BytesView ref);

  /// Adds `bundle` (a KeyPackage of `suite`) and returns its KeyPackageRef. A bundle already
  /// held (same ref) is replaced. kInvalidArgument when the package is of another suite.
  Bytes add(const crypto::Suite& suite, KeyPackageBundle bundle);
  /// The bundle with this KeyPackageRef, or nullptr.
  const KeyPackageBundle* find(BytesView ref) const;
  /// Deletes the bundle (its private keys are wiped); false when none has this ref.
  bool remove(BytesView ref);
  size_t size() const { return entries_.size(); }  ///< bundles held
  bool empty() const { return entries_.empty(); }  ///< no bundle held
  /// The refs held, in the order they were added.
  std::vector<Bytes> refs() const;

  /// Versioned binary form. Holds private keys: store it protected.
  SecretBytes serialize() const;
  /// kGroupStateInvalid for input that does not decode, has another version, or whose refs do
  /// not match their KeyPackages.
  static KeyPackageStore deserialize(std::shared_ptr<const crypto::CryptoProvider> provider,
                                     BytesView data);

  /// Same bundles.
  friend bool operator==(const KeyPackageStore& a, const KeyPackageStore& b) {
    return a.entries_ == b.entries_;
  }

 private:
  std::vector<std::pair<Bytes, KeyPackageBundle>> entries_;  ///< (ref, bundle)
  std::shared_ptr<storage::StorageProvider> storage_;
};

}  // namespace conclave
