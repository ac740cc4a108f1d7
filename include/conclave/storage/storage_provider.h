/// @file
/// StorageProvider: where a client's state lives between runs (groups, KeyPackages, PSKs).
///
/// The store is a set of records, each named by a scope (a group, or the client itself), a kind
/// and an id, grouped into scopes that carry a version. The library changes it only through
/// WriteBatch, applied as one transaction: after a crash the store shows either the whole batch
/// or none of it. A batch may require a scope's version to be what the writer last read
/// (optimistic concurrency): several processes may share one store, and the one whose view is
/// stale gets Error(kStorageConflict) with nothing applied, reloads and retries.
///
/// Values are handed over as SecretBytes: most records hold private keys or epoch secrets.
/// Providers that persist records protect each one so that a damaged, truncated or moved record
/// (another scope's, another id's) is refused with Error(kStorageCorrupt) instead of being used.
#pragma once

#include <cstdint>
#include <optional>
#include <utility>
#include <vector>

#include "conclave/base/bytes.h"
#include "conclave/base/secret_bytes.h"

namespace conclave::storage {

/// One record's name. Kinds are chosen by the layer that writes them (group/ for groups).
struct RecordKey {
  Bytes scope;        ///< the group (its id), or the client's own scope
  uint16_t kind = 0;  ///< what the record holds
  Bytes id;           ///< which one of its kind
};

/// The bytes that identify a record, bound into its integrity protection so that a record
/// copied under another name no longer verifies.
Bytes record_identity(const RecordKey& key);

/// The changes of one transaction: the provider applies all of them or none (apply()).
struct WriteBatch {
  /// Writes (or overwrites) one record.
  struct Put {
    RecordKey key;      ///< the record's name
    SecretBytes value;  ///< its content
  };
  /// Every record of `scope` and `kind` whose id starts with `id_prefix` (empty: all of them).
  struct ErasePrefix {
    Bytes scope;        ///< the scope
    uint16_t kind = 0;  ///< the kind
    Bytes id_prefix;    ///< the start of the ids to erase
  };
  /// The scope must be at `expected` (0: it must not exist yet); the batch then sets it to
  /// expected + 1. A scope exists once a batch has checked or bumped its version.
  struct VersionCheck {
    Bytes scope;            ///< the scope
    uint64_t expected = 0;  ///< the version the writer last read
  };

  /// Version checks. The parts of a batch are applied in this order: version checks, scope
  /// deletions, erasures, erasures of single records, puts.
  std::vector<VersionCheck> versions;
  std::vector<Bytes> delete_scopes;         ///< every record of the scope and the scope itself
  std::vector<ErasePrefix> erase_prefixes;  ///< erasures by id prefix
  std::vector<RecordKey> erase;             ///< erasures of single records
  std::vector<Put> puts;                    ///< records to write

  /// Adds a Put.
  void put(Bytes scope, uint16_t kind, Bytes id, SecretBytes value) {
    puts.push_back(Put{RecordKey{std::move(scope), kind, std::move(id)}, std::move(value)});
  }
  /// True when the batch changes nothing.
  bool empty() const {
    return versions.empty() && delete_scopes.empty() && erase_prefixes.empty() && erase.empty() &&
           puts.empty();
  }
};

/// A record as read back from a scope.
struct StoredRecord {
  uint16_t kind = 0;  ///< what it holds
  Bytes id;           ///< which one of its kind
  SecretBytes value;  ///< its content
};

/// A scope's records as one consistent snapshot, ordered by (kind, id).
struct ScopeSnapshot {
  uint64_t version = 0;               ///< 0: the scope does not exist
  std::vector<StoredRecord> records;  ///< every record of the scope
};

/// A store of records in versioned scopes with all-or-nothing batches (see the file comment
/// above). Implementations are safe to use from several threads at once.
class StorageProvider {
 public:
  virtual ~StorageProvider() = default;

  /// Applies the whole batch or nothing. Returns once the batch is as durable as the provider
  /// promises (SQLite: per its synchronous setting). Error(kStorageConflict) when a version
  /// check fails; Error(kStorageBackend) when the backend fails.
  virtual void apply(const WriteBatch& batch) = 0;

  /// Every record of the scope, with its version, read in one snapshot.
  virtual ScopeSnapshot read_scope(BytesView scope) const = 0;
  /// The records of one kind of a scope, ordered by id.
  virtual std::vector<StoredRecord> read_kind(BytesView scope, uint16_t kind) const = 0;
  /// One record; empty when it does not exist.
  virtual std::optional<SecretBytes> get(const RecordKey& key) const = 0;
  /// The scope's version (0 when it does not exist).
  virtual uint64_t version(BytesView scope) const = 0;
  /// The scopes that start with `prefix` and exist (have a version), in ascending order.
  virtual std::vector<Bytes> scopes(BytesView prefix) const = 0;

  /// Records put or erased through this object since it was made: lets tests and benchmarks
  /// see that a change writes what it changed and nothing more.
  virtual uint64_t records_written() const = 0;
};

}  // namespace conclave::storage
