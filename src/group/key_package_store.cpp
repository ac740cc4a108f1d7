// KeyPackageStore (RFC 9420 §5.2, §10): published KeyPackages and their private keys by ref.
#include "conclave/group/key_package_store.h"

#include <algorithm>
#include <string>

#include "conclave/base/error.h"
#include "conclave/codec/codec.h"
#include "state_records.h"

namespace conclave {

namespace {

constexpr uint16_t kStoreVersion = 1;

bool same(BytesView a, BytesView b) {
  return std::equal(a.begin(), a.end(), b.begin(), b.end());
}

struct EntryRecord {
  Bytes ref;
  wire::KeyPackage key_package;
  SecretBytes init_private_key;
  SecretBytes encryption_private_key;
  CONCLAVE_TLS_FIELDS(ref, key_package, init_private_key, encryption_private_key)
};

struct StoreRecord {
  uint16_t version = kStoreVersion;
  std::vector<EntryRecord> entries;
  CONCLAVE_TLS_FIELDS(version, entries)
};

// The bundle of a stored entry, its ref checked against its KeyPackage (Error(code) otherwise).
std::pair<Bytes, KeyPackageBundle> checked_entry(
    const std::shared_ptr<const crypto::CryptoProvider>& provider, EntryRecord&& e,
    ErrorCode code) {
  KeyPackageBundle bundle{std::move(e.key_package), std::move(e.init_private_key),
                          std::move(e.encryption_private_key)};
  Bytes ref;
  try {
    ref = bundle.ref(crypto::Suite(provider, bundle.key_package.cipher_suite));
  } catch (const Error& err) {
    throw Error(code, std::string("stored KeyPackage: ") + err.what());
  }
  if (ref != e.ref) throw Error(code, "a stored ref does not match its KeyPackage");
  return {std::move(ref), std::move(bundle)};
}

}  // namespace

Bytes KeyPackageStore::add(const crypto::Suite& suite, KeyPackageBundle bundle) {
  if (bundle.key_package.cipher_suite != suite.id())
    throw Error(ErrorCode::kInvalidArgument, "the KeyPackage belongs to another cipher suite");
  // §5.2: KeyPackageRef = MakeKeyPackageRef(encoded KeyPackage).
  Bytes ref = bundle.ref(suite);
  if (storage_) {
    // Replacing a bundle keeps its scope; a new one must not exist yet.
    const Bytes scope = detail::key_package_scope(ref);
    storage::WriteBatch batch;
    batch.versions.push_back({scope, storage_->version(scope)});
    batch.put(scope, detail::kKeyPackageRecord, {},
              codec::encode_secret(EntryRecord{ref, bundle.key_package, bundle.init_private_key,
                                               bundle.encryption_private_key}));
    storage_->apply(batch);
  }
  const auto it =
      std::find_if(entries_.begin(), entries_.end(), [&](const auto& e) { return e.first == ref; });
  if (it != entries_.end())
    it->second = std::move(bundle);
  else
    entries_.emplace_back(ref, std::move(bundle));
  return ref;
}

const KeyPackageBundle* KeyPackageStore::find(BytesView ref) const {
  for (const auto& [r, bundle] : entries_)
    if (same(r, ref)) return &bundle;
  return nullptr;
}

bool KeyPackageStore::remove(BytesView ref) {
  const auto it = std::find_if(entries_.begin(), entries_.end(),
                               [&](const auto& e) { return same(e.first, ref); });
  if (it == entries_.end()) return false;
  if (storage_) {
    storage::WriteBatch batch;
    batch.delete_scopes.push_back(detail::key_package_scope(ref));
    storage_->apply(batch);
  }
  entries_.erase(it);  // SecretBytes wipe the private keys
  return true;
}

void KeyPackageStore::consume_in(storage::WriteBatch& batch, BytesView ref) const {
  const KeyPackageBundle* bundle = find(ref);
  if (bundle == nullptr || is_last_resort(bundle->key_package)) return;
  // The version check fails when another process consumed (deleted) it meanwhile.
  const Bytes scope = detail::key_package_scope(ref);
  const uint64_t version = storage_->version(scope);
  if (version == 0) throw Error(ErrorCode::kStorageConflict, "the KeyPackage was used already");
  batch.versions.push_back({scope, version});
  batch.delete_scopes.push_back(scope);
}

void KeyPackageStore::forget(BytesView ref) {
  const auto it = std::find_if(entries_.begin(), entries_.end(),
                               [&](const auto& e) { return same(e.first, ref); });
  if (it != entries_.end()) entries_.erase(it);
}

KeyPackageStore KeyPackageStore::open(std::shared_ptr<const crypto::CryptoProvider> provider,
                                      std::shared_ptr<storage::StorageProvider> storage) {
  if (!storage) throw Error(ErrorCode::kInvalidArgument, "no storage provider");
  KeyPackageStore out;
  for (const Bytes& scope : storage->scopes(detail::key_package_scope({}))) {
    const auto value = storage->get({scope, detail::kKeyPackageRecord, {}});
    if (!value) continue;  // deleted between the listing and the read
    EntryRecord e;
    try {
      e = codec::decode<EntryRecord>(value->view());
    } catch (const Error& err) {
      throw Error(ErrorCode::kStorageCorrupt, std::string("a stored KeyPackage: ") + err.what());
    }
    auto [ref, bundle] = checked_entry(provider, std::move(e), ErrorCode::kStorageCorrupt);
    if (detail::key_package_scope(ref) != scope)
      throw Error(ErrorCode::kStorageCorrupt, "a stored KeyPackage is not under its ref");
    out.entries_.emplace_back(std::move(ref), std::move(bundle));
  }
  out.storage_ = std::move(storage);
  return out;
}

std::vector<Bytes> KeyPackageStore::refs() const {
  std::vector<Bytes> out;
  out.reserve(entries_.size());
  for (const auto& e : entries_)
    out.push_back(e.first);
  return out;
}

SecretBytes KeyPackageStore::serialize() const {
  StoreRecord r;
  for (const auto& [ref, b] : entries_)
    r.entries.push_back(
        EntryRecord{ref, b.key_package, b.init_private_key, b.encryption_private_key});
  return codec::encode_secret(r);
}

KeyPackageStore KeyPackageStore::deserialize(std::shared_ptr<const crypto::CryptoProvider> provider,
                                             BytesView data) {
  StoreRecord r;
  try {
    r = codec::decode<StoreRecord>(data);
  } catch (const Error& e) {
    throw Error(ErrorCode::kGroupStateInvalid, std::string("undecodable store: ") + e.what());
  }
  if (r.version != kStoreVersion)
    throw Error(ErrorCode::kGroupStateInvalid, "store version " + std::to_string(r.version));
  KeyPackageStore store;
  for (auto& e : r.entries) {
    auto [ref, bundle] = checked_entry(provider, std::move(e), ErrorCode::kGroupStateInvalid);
    if (store.find(ref) != nullptr)
      throw Error(ErrorCode::kGroupStateInvalid, "a KeyPackage stored twice");
    store.entries_.emplace_back(std::move(ref), std::move(bundle));
  }
  return store;
}

}  // namespace conclave
