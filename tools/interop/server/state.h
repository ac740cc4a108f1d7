// What conclave-interop keeps between RPCs: group states, joins in progress, ReInits waiting
// for their new group, and external signers, each under a numeric handle.
//
// The sync gRPC server runs handlers on several threads. Each table has a mutex for its map;
// each entry has its own mutex, held while a handler works on it, so two RPCs on one state
// run one after the other and RPCs on different states run in parallel. A handler works on a
// copy and stores it back only once the whole operation succeeded: a failed RPC leaves the
// entry as it was.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <string>
#include <type_traits>
#include <utility>

#include "conclave/base/bytes.h"
#include "conclave/base/secret_bytes.h"
#include "conclave/group/group.h"
#include "conclave/group/identity.h"

namespace conclave::interop {

// A handle that names nothing (gRPC NOT_FOUND).
class UnknownHandle : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// External PSKs stored with StorePSK (RFC 9420 §8.4). Shared by a state and the states made
// from it (a join from a transaction, a ReInit's or branch's new group), and read by the
// library through GroupPolicy::external_psk while a handler holds the state.
class PskStore {
 public:
  void put(BytesView id, BytesView secret);
  std::optional<SecretBytes> find(BytesView id) const;

 private:
  mutable std::mutex mutex_;
  // Keyed by the id's bytes as a string (GCC 12 warns falsely on std::map<Bytes, ...>).
  std::map<std::string, SecretBytes, std::less<>> psks_;
};

// A member's group and what it needs beyond it: its identity (for a branch's new group,
// §11.3) and its PSKs.
struct StateEntry {
  Group group;
  Identity identity;
  std::shared_ptr<PskStore> psks;
};

// A join in progress (CreateKeyPackage, NewMemberAddProposal): the KeyPackage's private keys
// until a Welcome arrives.
struct Transaction {
  Identity identity;
  KeyPackageBundle key_package;
  std::shared_ptr<PskStore> psks;
};

// §11.2: a member of a group a ReInit ended, with its identity and KeyPackage in the new suite.
struct ReInitEntry {
  Group old_group;
  Identity identity;
  KeyPackageBundle key_package;
  std::shared_ptr<PskStore> psks;
};

// §12.1.8: an external sender.
struct Signer {
  Identity identity;
};

template <class T>
struct Slot {
  std::mutex mutex;
  T value;
  explicit Slot(T v) : value(std::move(v)) {}
};

// Handles of one kind. Handles are unique across every table of a Store (they share one
// counter) so that StorePSK can take a state or a transaction by the same number.
template <class T>
class Table {
 public:
  Table(std::string kind, std::atomic<uint32_t>& next) : kind_(std::move(kind)), next_(next) {}

  uint32_t add(T value) {
    auto slot = std::make_shared<Slot<T>>(std::move(value));
    const uint32_t id = next_.fetch_add(1);
    std::lock_guard lock(mutex_);
    slots_.emplace(id, std::move(slot));
    return id;
  }
  // Null when unknown.
  std::shared_ptr<Slot<T>> find(uint32_t id) const {
    std::lock_guard lock(mutex_);
    const auto it = slots_.find(id);
    return it == slots_.end() ? nullptr : it->second;
  }
  std::shared_ptr<Slot<T>> get(uint32_t id) const {
    auto slot = find(id);
    if (!slot) throw UnknownHandle("no " + kind_ + " " + std::to_string(id));
    return slot;
  }
  bool erase(uint32_t id) {
    std::lock_guard lock(mutex_);
    return slots_.erase(id) != 0;
  }

 private:
  std::string kind_;
  std::atomic<uint32_t>& next_;
  mutable std::mutex mutex_;
  std::map<uint32_t, std::shared_ptr<Slot<T>>> slots_;
};

struct Store {
  std::atomic<uint32_t> next{1};
  Table<StateEntry> states{"state", next};
  Table<Transaction> transactions{"transaction", next};
  Table<ReInitEntry> reinits{"reinit", next};
  Table<Signer> signers{"signer", next};
};

// Runs f on a copy of the entry, under its lock, and stores the copy back once f returned:
// if f throws, the entry is unchanged. Returns what f returns.
template <class T, class F>
auto update(Slot<T>& slot, F&& f) {
  std::lock_guard lock(slot.mutex);
  T next = slot.value;
  if constexpr (std::is_void_v<decltype(f(next))>) {
    f(next);
    slot.value = std::move(next);
  } else {
    auto result = f(next);
    slot.value = std::move(next);
    return result;
  }
}

// Runs f on the entry itself, read-only, under its lock.
template <class T, class F>
auto with(Slot<T>& slot, F&& f) {
  std::lock_guard lock(slot.mutex);
  return f(std::as_const(slot.value));
}

// A copy of the entry, taken under its lock.
template <class T>
T snapshot(Slot<T>& slot) {
  std::lock_guard lock(slot.mutex);
  return slot.value;
}

}  // namespace conclave::interop
