/// @file
/// KeyIndex: which nodes of a RatchetTree hold a given public key (RFC 9420 §7.3 asks for
/// uniqueness checks of encryption and signature keys on every leaf that arrives). The keys
/// themselves stay in the tree's nodes: a slot holds only a node number and 32 bits of the key's
/// hash, 8 bytes, and a lookup confirms a candidate by comparing the key the node holds. One
/// flat array, no allocation per key: a tree of 100,000 members indexes its keys in a few MiB.
/// The hash is SipHash-1-3 under a key drawn once per process, so keys chosen to collide (they
/// arrive in KeyPackages and commits) cannot turn lookups into scans.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <vector>

namespace conclave::tree {

/// Values (node or leaf numbers) by the public key their node holds; a key may be held by
/// several values (a tree under validation can repeat keys). Open addressing with linear probing
/// and backward-shift deletion; at most half the slots are used.
class KeyIndex {
 public:
  /// Room for `entries` entries without growing.
  void reserve(size_t entries);
  /// Adds the entry (key, value).
  void insert(std::span<const uint8_t> key, uint32_t value);
  /// Removes the entry (key, value), if present. Only the key's hash is used: each value is
  /// indexed under one key at a time.
  void erase(std::span<const uint8_t> key, uint32_t value);
  /// Calls `visit(value)` for each value whose entry's hash matches `key`'s, until it returns
  /// true; the caller confirms the key (`visit` compares the key the node holds).
  template <class Visit>
  void for_each_candidate(std::span<const uint8_t> key, Visit&& visit) const {
    if (slots_.empty()) return;
    const uint32_t h = hash(key);
    for (size_t i = h & mask(); slots_[i].value_plus_one != 0; i = (i + 1) & mask())
      if (slots_[i].hash == h && visit(slots_[i].value_plus_one - 1)) return;
  }
  /// Entries held.
  size_t size() const { return size_; }

 private:
  struct Slot {
    uint32_t hash = 0;            ///< the low 32 bits of the key's SipHash
    uint32_t value_plus_one = 0;  ///< 0: empty
  };
  static uint32_t hash(std::span<const uint8_t> key);
  size_t mask() const { return slots_.size() - 1; }
  void place(Slot slot);
  void grow_to(size_t slots);

  std::vector<Slot> slots_;  ///< a power of two of them, or none
  size_t size_ = 0;
};

}  // namespace conclave::tree
