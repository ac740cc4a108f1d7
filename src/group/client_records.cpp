#include "conclave/group/client_records.h"

#include <string>

#include "conclave/base/error.h"
#include "conclave/codec/codec.h"
#include "state_records.h"

namespace conclave {

namespace {

struct IdentityRecord {
  uint16_t cipher_suite = 0;
  wire::Credential credential;
  SecretBytes signature_private_key;
  Bytes signature_public_key;
  CONCLAVE_TLS_FIELDS(cipher_suite, credential, signature_private_key, signature_public_key)
};

}  // namespace

void store_identity(storage::StorageProvider& store, std::string_view name,
                    const Identity& identity) {
  storage::WriteBatch batch;
  batch.put(detail::identity_scope(), detail::kIdentityRecord, to_bytes(name),
            codec::encode_secret(IdentityRecord{identity.cipher_suite, identity.credential,
                                                identity.signature_private_key,
                                                identity.signature_public_key}));
  store.apply(batch);
}

std::optional<Identity> load_identity(const storage::StorageProvider& store,
                                      std::string_view name) {
  const auto value = store.get({detail::identity_scope(), detail::kIdentityRecord, to_bytes(name)});
  if (!value) return std::nullopt;
  try {
    auto r = codec::decode<IdentityRecord>(value->view());
    return Identity{r.cipher_suite, std::move(r.credential), std::move(r.signature_private_key),
                    std::move(r.signature_public_key)};
  } catch (const Error& e) {
    throw Error(ErrorCode::kStorageCorrupt, std::string("a stored identity: ") + e.what());
  }
}

ExternalPskStore::ExternalPskStore(std::shared_ptr<storage::StorageProvider> store)
    : store_(std::move(store)) {
  if (!store_) throw Error(ErrorCode::kInvalidArgument, "no storage provider");
}

void ExternalPskStore::put(BytesView psk_id, const SecretBytes& psk) {
  storage::WriteBatch batch;
  batch.put(detail::psk_scope(), detail::kPskRecord, to_bytes(psk_id), psk);
  store_->apply(batch);
}

std::optional<SecretBytes> ExternalPskStore::get(BytesView psk_id) const {
  return store_->get({detail::psk_scope(), detail::kPskRecord, to_bytes(psk_id)});
}

bool ExternalPskStore::erase(BytesView psk_id) {
  if (!get(psk_id)) return false;
  storage::WriteBatch batch;
  batch.erase.push_back({detail::psk_scope(), detail::kPskRecord, to_bytes(psk_id)});
  store_->apply(batch);
  return true;
}

std::vector<Bytes> ExternalPskStore::ids() const {
  std::vector<Bytes> out;
  for (auto& record : store_->read_kind(detail::psk_scope(), detail::kPskRecord))
    out.push_back(std::move(record.id));
  return out;
}

std::function<std::optional<SecretBytes>(BytesView)> ExternalPskStore::lookup() const {
  return [store = store_](BytesView psk_id) {
    return store->get({detail::psk_scope(), detail::kPskRecord, to_bytes(psk_id)});
  };
}

}  // namespace conclave
