/// @file
/// What a client keeps in its StorageProvider besides groups and KeyPackages (key_package_store.h):
/// its identities (signature keys, to make KeyPackages after a restart) and its external PSKs
/// (RFC 9420 §8.4), each record written in its own transaction.
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <string_view>
#include <vector>

#include "conclave/base/bytes.h"
#include "conclave/base/secret_bytes.h"
#include "conclave/group/identity.h"
#include "conclave/storage/storage_provider.h"

namespace conclave {

/// Stores `identity` under `name` (replacing one stored under that name).
void store_identity(storage::StorageProvider& store, std::string_view name,
                    const Identity& identity);
/// The identity stored under `name`; nullopt when none. kStorageCorrupt for a damaged record.
std::optional<Identity> load_identity(const storage::StorageProvider& store, std::string_view name);

/// §8.4: external PSKs by psk_id, kept in a store.
class ExternalPskStore {
 public:
  /// The PSKs kept in `store` (kInvalidArgument when null).
  explicit ExternalPskStore(std::shared_ptr<storage::StorageProvider> store);

  /// Stores `psk` under `psk_id`, replacing any PSK stored under it.
  void put(BytesView psk_id, const SecretBytes& psk);
  /// The PSK stored under `psk_id`; nullopt when none.
  std::optional<SecretBytes> get(BytesView psk_id) const;
  /// False when there was none.
  bool erase(BytesView psk_id);
  /// The ids of the stored PSKs, in ascending order.
  std::vector<Bytes> ids() const;
  /// For GroupPolicy::external_psk: looks the PSK up in the store when a commit or Welcome
  /// names it. Holds the store, not this object.
  std::function<std::optional<SecretBytes>(BytesView psk_id)> lookup() const;

 private:
  std::shared_ptr<storage::StorageProvider> store_;
};

}  // namespace conclave
