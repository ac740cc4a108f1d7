/// @file
/// The ratchet tree's leaves, kept encoded (RFC 9420 §7.2 LeafNode wire form): one allocation
/// per leaf instead of a LeafNode and the ten or so buffers its fields own, about a third of
/// the memory. A decoded copy is made on first access and kept until release_decoded(), so
/// pointers handed out stay valid while the tree does not change.
#pragma once

#include <cstdint>
#include <mutex>
#include <optional>
#include <vector>

#include "conclave/base/bytes.h"
#include "conclave/tree/segmented.h"
#include "conclave/wire/leaf_node.h"

namespace conclave::tree::detail {

class LeafStore {
 public:
  LeafStore() = default;
  ~LeafStore();
  LeafStore(const LeafStore& other);
  LeafStore(LeafStore&& other) noexcept;
  LeafStore& operator=(LeafStore other) noexcept;

  /// Makes slots [0, n) addressable; new slots are blank.
  void cover(uint64_t n) {
    encoded_.cover(n);
    decoded_.cover(n);
  }
  /// Blanks the slots at or past n and frees the segments wholly past n.
  void release_from(uint64_t n);

  /// False for a blank slot.
  bool has(uint64_t i) const { return encoded_[i] != nullptr; }
  /// The leaf's wire encoding; empty for a blank slot.
  BytesView encoded(uint64_t i) const;
  /// The leaf, decoded on first access (safe from several threads at once); null when blank.
  /// Valid until the slot changes or release_decoded() runs.
  const wire::LeafNode* get(uint64_t i) const;
  /// The first two fields of the encoding, read without decoding the rest.
  /// @{
  BytesView encryption_key(uint64_t i) const;
  BytesView signature_key(uint64_t i) const;
  /// @}
  /// Sets or blanks slot i. A leaf set from a value keeps that value as its decoded copy.
  void set(uint64_t i, std::optional<wire::LeafNode> leaf);
  /// Sets slot i from a leaf it encodes, keeping no decoded copy (building a large tree).
  void set_encoded_only(uint64_t i, const wire::LeafNode& leaf);
  /// Sets slot i to a copy of `encoding`, the wire encoding of a LeafNode (which the caller
  /// vouches for), keeping no decoded copy.
  void set_encoding(uint64_t i, BytesView encoding);
  /// Frees every decoded copy: the leaves stay, encoded. Pointers from get() become invalid.
  void release_decoded();

 private:
  void clear_from(uint64_t n);
  void drop_decoded(uint64_t i);
  void note_decoded(uint64_t i) const;

  /// Per slot: null (blank) or a block of a 4-byte length and the encoding.
  SegmentedArray<uint8_t*> encoded_;
  /// Per slot: null or the decoded copy (installed with an atomic compare-and-swap).
  mutable SegmentedArray<wire::LeafNode*> decoded_;
  /// The slots with a decoded copy, so release_decoded() costs what was decoded, not the tree.
  mutable std::vector<uint64_t> decoded_slots_;
  mutable std::mutex decoded_slots_mutex_;
  uint64_t end_ = 0;  ///< one past the highest slot ever set since cleared
};

}  // namespace conclave::tree::detail
