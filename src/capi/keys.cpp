// The C API's provider, stores, identities and KeyPackages (conclave.h, "Provider and stores",
// "Identities and KeyPackages").
#include <memory>
#include <string>
#include <utility>

#include "capi/handles.h"
#include "conclave/codec/codec.h"
#include "conclave/crypto/openssl_provider.h"
#include "conclave/crypto/suite.h"
#include "conclave/group/client_records.h"
#include "conclave/storage/memory_storage.h"
#include "conclave/storage/sqlite_storage.h"

using namespace conclave;
using namespace conclave::capi;

namespace {

conclave_key_package* wrap_bundle(const crypto::Suite& suite, KeyPackageBundle bundle) {
  auto handle = std::make_unique<conclave_key_package>();
  handle->message = wire::MlsMessage{bundle.key_package}.to_bytes();
  handle->ref = bundle.ref(suite);
  handle->bundle = std::move(bundle);
  return handle.release();
}

}  // namespace

extern "C" {

conclave_status conclave_provider_new(conclave_provider** out) {
  return guard([&] {
    need(out, "out") = nullptr;
    *out = new conclave_provider{crypto::openssl_provider()};
  });
}

void conclave_provider_free(conclave_provider* provider) {
  delete provider;
}

int conclave_provider_supports(const conclave_provider* provider, uint16_t suite) {
  if (provider == nullptr) return 0;
  try {
    crypto::Suite s(provider->provider, suite);
    return 1;
  } catch (...) {
    return 0;
  }
}

conclave_status conclave_store_new_memory(conclave_store** out) {
  return guard([&] {
    need(out, "out") = nullptr;
    *out = new conclave_store{storage::MemoryStorage::create()};
  });
}

conclave_status conclave_store_open_sqlite(const char* path, const conclave_provider* provider,
                                           const uint8_t* key, size_t key_len,
                                           conclave_store** out) {
  return guard([&] {
    need(out, "out") = nullptr;
    storage::SqliteOptions options;
    if (key_len != 0) options.encryption_key = SecretBytes(input(key, key_len, "key"));
    *out = new conclave_store{storage::SqliteStorage::open(
        text(path, "path"), need(provider, "provider").provider, std::move(options))};
  });
}

void conclave_store_free(conclave_store* store) {
  delete store;
}

conclave_status conclave_store_groups(const conclave_store* store, conclave_bytes_list** out) {
  return guard([&] {
    need(out, "out") = nullptr;
    auto list = std::make_unique<conclave_bytes_list>();
    list->items = Group::stored_groups(*need(store, "store").store);
    *out = list.release();
  });
}

conclave_status conclave_store_erase_group(conclave_store* store, const uint8_t* group_id,
                                           size_t group_id_len) {
  return guard([&] {
    Group::erase_stored(*need(store, "store").store, input(group_id, group_id_len, "group_id"));
  });
}

size_t conclave_bytes_list_count(const conclave_bytes_list* list) {
  return list == nullptr ? 0 : list->items.size();
}

const uint8_t* conclave_bytes_list_get(const conclave_bytes_list* list, size_t index, size_t* len) {
  if (list == nullptr || index >= list->items.size()) return view_of(nullptr, len);
  return view_of(&list->items[index], len);
}

void conclave_bytes_list_free(conclave_bytes_list* list) {
  delete list;
}

conclave_status conclave_identity_generate(const conclave_provider* provider, uint16_t suite,
                                           const uint8_t* name, size_t name_len,
                                           conclave_identity** out) {
  return guard([&] {
    need(out, "out") = nullptr;
    const crypto::Suite s(need(provider, "provider").provider, suite);
    const BytesView n = input(name, name_len, "name");
    *out = new conclave_identity{Identity::generate(s, wire::Credential::basic(to_bytes(n)))};
  });
}

conclave_status conclave_identity_from_key_package(const conclave_provider* provider,
                                                   const uint8_t* key_package,
                                                   size_t key_package_len,
                                                   const uint8_t* signature_private_key,
                                                   size_t signature_private_key_len,
                                                   conclave_identity** out) {
  return guard([&] {
    need(out, "out") = nullptr;
    const auto kp = key_package_of(input(key_package, key_package_len, "key_package"));
    const crypto::Suite suite(need(provider, "provider").provider, kp.cipher_suite);
    Identity identity;
    identity.cipher_suite = kp.cipher_suite;
    identity.credential = kp.leaf_node.credential;
    identity.signature_private_key = SecretBytes(
        input(signature_private_key, signature_private_key_len, "signature_private_key"));
    identity.signature_public_key = kp.leaf_node.signature_key;
    const Bytes derived = suite.provider().signature_public_key(
        suite.info().signature, identity.signature_private_key.view());
    if (derived != identity.signature_public_key)
      throw Error(ErrorCode::kInvalidPrivateKey,
                  "the signature private key is not the leaf's signature_key");
    *out = new conclave_identity{std::move(identity)};
  });
}

conclave_status conclave_identity_save(const conclave_identity* identity, conclave_store* store,
                                       const char* name) {
  return guard([&] {
    store_identity(*need(store, "store").store, text(name, "name"),
                   need(identity, "identity").identity);
  });
}

conclave_status conclave_identity_load(const conclave_store* store, const char* name,
                                       conclave_identity** out) {
  return guard([&] {
    need(out, "out") = nullptr;
    auto loaded = load_identity(*need(store, "store").store, text(name, "name"));
    if (loaded) *out = new conclave_identity{std::move(*loaded)};
  });
}

void conclave_identity_free(conclave_identity* identity) {
  delete identity;
}

uint16_t conclave_identity_cipher_suite(const conclave_identity* identity) {
  return identity == nullptr ? 0 : identity->identity.cipher_suite;
}

const uint8_t* conclave_identity_signature_key(const conclave_identity* identity, size_t* len) {
  return view_of(identity ? &identity->identity.signature_public_key : nullptr, len);
}

const uint8_t* conclave_identity_name(const conclave_identity* identity, size_t* len) {
  return view_of(identity ? identity->identity.credential.identity() : nullptr, len);
}

conclave_status conclave_key_package_create(const conclave_provider* provider,
                                            const conclave_identity* identity, int last_resort,
                                            conclave_key_package** out) {
  return guard([&] {
    need(out, "out") = nullptr;
    const Identity& id = need(identity, "identity").identity;
    const crypto::Suite suite(need(provider, "provider").provider, id.cipher_suite);
    KeyPackageOptions options;
    options.last_resort = last_resort != 0;
    *out = wrap_bundle(suite, create_key_package(suite, id, unix_time_now(), options));
  });
}

conclave_status conclave_key_package_from_parts(const conclave_provider* provider,
                                                const uint8_t* key_package, size_t key_package_len,
                                                const uint8_t* init_private_key,
                                                size_t init_private_key_len,
                                                const uint8_t* encryption_private_key,
                                                size_t encryption_private_key_len,
                                                conclave_key_package** out) {
  return guard([&] {
    need(out, "out") = nullptr;
    auto kp = key_package_of(input(key_package, key_package_len, "key_package"));
    const crypto::Suite suite(need(provider, "provider").provider, kp.cipher_suite);
    KeyPackageBundle bundle{
        std::move(kp), SecretBytes(input(init_private_key, init_private_key_len, "init key")),
        SecretBytes(input(encryption_private_key, encryption_private_key_len, "encryption key"))};
    const auto& p = suite.provider();
    if (p.dh_public_key(suite.info().kem, bundle.init_private_key.view()) !=
            bundle.key_package.init_key ||
        p.dh_public_key(suite.info().kem, bundle.encryption_private_key.view()) !=
            bundle.key_package.leaf_node.encryption_key)
      throw Error(ErrorCode::kInvalidPrivateKey,
                  "a private key does not belong to the KeyPackage's public key");
    *out = wrap_bundle(suite, std::move(bundle));
  });
}

void conclave_key_package_free(conclave_key_package* key_package) {
  delete key_package;
}

const uint8_t* conclave_key_package_message(const conclave_key_package* key_package, size_t* len) {
  return view_of(key_package ? &key_package->message : nullptr, len);
}

const uint8_t* conclave_key_package_ref(const conclave_key_package* key_package, size_t* len) {
  return view_of(key_package ? &key_package->ref : nullptr, len);
}

conclave_status conclave_key_package_store_open(const conclave_provider* provider,
                                                conclave_store* store,
                                                conclave_key_package_store** out) {
  return guard([&] {
    need(out, "out") = nullptr;
    const auto& p = need(provider, "provider").provider;
    *out = new conclave_key_package_store{p, KeyPackageStore::open(p, need(store, "store").store)};
  });
}

void conclave_key_package_store_free(conclave_key_package_store* kp_store) {
  delete kp_store;
}

conclave_status conclave_key_package_store_add(conclave_key_package_store* kp_store,
                                               const conclave_key_package* bundle) {
  return guard([&] {
    auto& s = need(kp_store, "kp_store");
    const auto& b = need(bundle, "bundle").bundle;
    s.store.add(crypto::Suite(s.provider, b.key_package.cipher_suite), b);
  });
}

size_t conclave_key_package_store_count(const conclave_key_package_store* kp_store) {
  return kp_store == nullptr ? 0 : kp_store->store.size();
}

}  // extern "C"
