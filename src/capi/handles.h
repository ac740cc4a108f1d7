// The C API's handles (include/conclave/conclave.h) and the helpers every entry point shares:
// the exception guard, argument checks and library-owned buffers.
#pragma once

#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "conclave/base/bytes.h"
#include "conclave/base/error.h"
#include "conclave/base/secret_bytes.h"
#include "conclave/client/client.h"
#include "conclave/client/local_delivery.h"
#include "conclave/client/transport.h"
#include "conclave/conclave.h"
#include "conclave/crypto/provider.h"
#include "conclave/group/config.h"
#include "conclave/group/group.h"
#include "conclave/group/identity.h"
#include "conclave/group/key_package_store.h"
#include "conclave/group/staged_commit.h"
#include "conclave/storage/storage_provider.h"

struct conclave_provider {
  std::shared_ptr<const conclave::crypto::CryptoProvider> provider;
};
struct conclave_store {
  std::shared_ptr<conclave::storage::StorageProvider> store;
};
struct conclave_bytes_list {
  std::vector<conclave::Bytes> items;
};
struct conclave_identity {
  conclave::Identity identity;
};
struct conclave_key_package {
  conclave::KeyPackageBundle bundle;
  conclave::Bytes message;  ///< the KeyPackage as an MLSMessage
  conclave::Bytes ref;
};
struct conclave_key_package_store {
  std::shared_ptr<const conclave::crypto::CryptoProvider> provider;
  conclave::KeyPackageStore store;
};
struct conclave_group_options {
  conclave::GroupConfig config;
  conclave::GroupPolicy policy;
  /// External PSKs, shared with the policy's lookup (which copies the pointer).
  std::shared_ptr<std::vector<std::pair<conclave::Bytes, conclave::SecretBytes>>> psks;
};
struct conclave_group {
  conclave::Group group;
};
struct conclave_commit_options {
  conclave::CommitOptions options;
};
struct conclave_commit_output {
  conclave::Bytes commit;
  std::optional<conclave::Bytes> welcome;
  std::optional<conclave::Bytes> ratchet_tree;
  std::optional<conclave::Bytes> group_info;
};
struct conclave_staged_commit {
  conclave::StagedCommit staged;
  std::vector<std::pair<uint32_t, conclave::Bytes>> added;    ///< leaf, basic identity
  std::vector<std::pair<uint32_t, conclave::Bytes>> removed;  ///< leaf, basic identity
};
struct conclave_processed {
  conclave_processed_kind kind = CONCLAVE_PROCESSED_APPLICATION;
  uint32_t sender = 0;
  uint64_t epoch = 0;
  conclave::Bytes data;
  conclave::Bytes authenticated_data;
  conclave::Bytes proposal_ref;
  std::unique_ptr<conclave_staged_commit> staged;
};
struct conclave_members {
  struct Entry {
    uint32_t leaf = 0;
    std::string user;
    std::string device;
    conclave::Bytes signature_key;
    bool is_self = false;
  };
  std::vector<Entry> entries;
};
struct conclave_delivery_service {
  std::shared_ptr<conclave::LocalDeliveryService> service;
};
struct conclave_transport {
  std::shared_ptr<conclave::Transport> transport;
};
struct conclave_client_options {
  conclave::ClientOptions options;
  /// The group options' PSKs, kept alive with the policy that reads them.
  std::shared_ptr<std::vector<std::pair<conclave::Bytes, conclave::SecretBytes>>> psks;
};
struct conclave_event {
  conclave::Event event;
};
struct conclave_client {
  conclave::Client client;
  /// For detached copies of its groups (conclave_client_group).
  std::shared_ptr<const conclave::crypto::CryptoProvider> provider;
  conclave::GroupPolicy policy;
  /// Events of the client's calls, until conclave_client_next_event() takes them. The handler
  /// runs on the thread of the call; the mutex guards against a reader on another thread.
  std::shared_ptr<std::pair<std::mutex, std::deque<conclave::Event>>> events;
};

namespace conclave::capi {

/// Records the status and message of the last call on this thread; returns `status`.
conclave_status set_last_error(conclave_status status, const char* message);

/// Runs `body`, turning every exception into a status and the thread's last error.
template <class F>
conclave_status guard(F&& body) noexcept {
  try {
    body();
    return set_last_error(CONCLAVE_OK, "");
  } catch (const Error& e) {
    return set_last_error(static_cast<conclave_status>(e.code()), e.what());
  } catch (const std::bad_alloc&) {
    return set_last_error(CONCLAVE_ERR_OUT_OF_MEMORY, "out-of-memory: an allocation failed");
  } catch (const std::exception& e) {
    return set_last_error(CONCLAVE_ERR_UNEXPECTED, e.what());
  } catch (...) {
    return set_last_error(CONCLAVE_ERR_UNEXPECTED, "unexpected: an unknown exception");
  }
}

/// Throws kInvalidArgument when `pointer` is null.
template <class T>
const T& need(const T* pointer, const char* what) {
  if (pointer == nullptr) throw Error(ErrorCode::kInvalidArgument, std::string(what) + " is NULL");
  return *pointer;
}
/// Throws kInvalidArgument when `pointer` is null.
template <class T>
T& need(T* pointer, const char* what) {
  if (pointer == nullptr) throw Error(ErrorCode::kInvalidArgument, std::string(what) + " is NULL");
  return *pointer;
}

/// The bytes of a pointer-and-length input (kInvalidArgument for NULL with a length).
BytesView input(const uint8_t* data, size_t len, const char* what);
/// A NUL-terminated string input (kInvalidArgument for NULL).
std::string text(const char* s, const char* what);

/// A copy of `bytes` in a library-owned buffer for conclave_free_bytes(), NUL-terminated.
uint8_t* allocate(BytesView bytes);
/// Stores a copy of `bytes` in *out and its length in *out_len (both checked non-null first).
void give(BytesView bytes, uint8_t** out, size_t* out_len);
/// Clears a byte output before the call, so it is NULL and 0 on failure.
void clear(uint8_t** out, size_t* out_len);
/// A pointer and a length into a handle's bytes, for accessors (NULL for no bytes object).
const uint8_t* view_of(const Bytes* bytes, size_t* len);

/// A basic credential's identity as text ("" for other types).
std::string user_of(const wire::Credential& credential);
/// Decodes an MLSMessage holding a KeyPackage (kInvalidArgument for another content).
wire::KeyPackage key_package_of(BytesView message);
/// Decodes an optional ratchet tree input (none for NULL).
std::optional<wire::RatchetTreeNodes> tree_of(const uint8_t* data, size_t len);
/// The policy and config of optional group options (defaults for NULL).
GroupPolicy policy_of(const conclave_group_options* options);
/// The configuration of optional group options (defaults for NULL).
GroupConfig config_of(const conclave_group_options* options);
/// A staged commit handle with its inspection lists filled in.
std::unique_ptr<conclave_staged_commit> make_staged(StagedCommit staged);

}  // namespace conclave::capi
