// The ratchet tree's leaves kept encoded, decoded on demand (leaf_store.h).
#include "conclave/tree/leaf_store.h"

#include <algorithm>
#include <atomic>
#include <cstdlib>
#include <cstring>
#include <new>
#include <utility>

#include "conclave/codec/codec.h"

namespace conclave::tree::detail {

namespace {

uint8_t* block_of(BytesView encoding) {
  const auto size = static_cast<uint32_t>(encoding.size());
  auto* block = static_cast<uint8_t*>(std::malloc(sizeof size + size));
  if (block == nullptr) throw std::bad_alloc();
  std::memcpy(block, &size, sizeof size);
  std::memcpy(block + sizeof size, encoding.data(), size);
  return block;
}

uint8_t* encode_block(const wire::LeafNode& leaf) {
  return block_of(codec::encode(leaf));
}

BytesView block_view(const uint8_t* block) {
  if (block == nullptr) return {};
  uint32_t size = 0;
  std::memcpy(&size, block, sizeof size);
  return BytesView(block + sizeof size, size);
}

// The n-th opaque<V> field from the start of an encoding the store made itself (so well-formed).
BytesView opaque_field(BytesView encoding, unsigned n) {
  codec::Reader r(encoding);
  BytesView field = r.opaque();
  while (n-- > 0)
    field = r.opaque();
  return field;
}

}  // namespace

LeafStore::~LeafStore() {
  clear_from(0);
}

LeafStore::LeafStore(const LeafStore& other) {
  cover(other.encoded_.covered());
  try {
    for (uint64_t i = 0; i < other.end_; ++i) {
      if (const uint8_t* block = other.encoded_[i]) {
        const BytesView v = block_view(block);
        auto* copy = static_cast<uint8_t*>(std::malloc(sizeof(uint32_t) + v.size()));
        if (copy == nullptr) throw std::bad_alloc();
        std::memcpy(copy, block, sizeof(uint32_t) + v.size());
        encoded_[i] = copy;
      }
      end_ = i + 1;
    }
  } catch (...) {
    clear_from(0);
    throw;
  }
}

LeafStore::LeafStore(LeafStore&& other) noexcept
    : encoded_(std::move(other.encoded_)),
      decoded_(std::move(other.decoded_)),
      decoded_slots_(std::move(other.decoded_slots_)),
      end_(std::exchange(other.end_, 0)) {}

LeafStore& LeafStore::operator=(LeafStore other) noexcept {
  std::swap(encoded_, other.encoded_);
  std::swap(decoded_, other.decoded_);
  std::swap(decoded_slots_, other.decoded_slots_);
  std::swap(end_, other.end_);
  return *this;
}

void LeafStore::clear_from(uint64_t n) {
  for (uint64_t i = n; i < end_; ++i) {
    std::free(std::exchange(encoded_[i], nullptr));
    drop_decoded(i);
  }
  if (end_ > n) end_ = n;
}

void LeafStore::release_from(uint64_t n) {
  clear_from(n);
  encoded_.release_from(n);
  decoded_.release_from(n);
  std::erase_if(decoded_slots_, [n](uint64_t i) { return i >= n; });
}

BytesView LeafStore::encoded(uint64_t i) const {
  return block_view(encoded_[i]);
}

const wire::LeafNode* LeafStore::get(uint64_t i) const {
  const uint8_t* block = encoded_[i];
  if (block == nullptr) return nullptr;
  std::atomic_ref<wire::LeafNode*> slot(decoded_[i]);
  if (wire::LeafNode* decoded = slot.load(std::memory_order_acquire)) return decoded;
  // Two threads may decode the same leaf at once: one copy is installed, the other dropped.
  auto* fresh = new wire::LeafNode(codec::decode<wire::LeafNode>(block_view(block)));
  wire::LeafNode* expected = nullptr;
  if (!slot.compare_exchange_strong(expected, fresh, std::memory_order_acq_rel)) {
    delete fresh;
    return expected;
  }
  note_decoded(i);
  return fresh;
}

void LeafStore::note_decoded(uint64_t i) const {
  const std::lock_guard lock(decoded_slots_mutex_);
  decoded_slots_.push_back(i);
}

BytesView LeafStore::encryption_key(uint64_t i) const {
  return opaque_field(encoded(i), 0);
}

BytesView LeafStore::signature_key(uint64_t i) const {
  return opaque_field(encoded(i), 1);
}

void LeafStore::drop_decoded(uint64_t i) {
  delete std::exchange(decoded_[i], nullptr);
}

void LeafStore::set(uint64_t i, std::optional<wire::LeafNode> leaf) {
  if (!leaf) {
    std::free(std::exchange(encoded_[i], nullptr));
    drop_decoded(i);
    return;
  }
  uint8_t* block = encode_block(*leaf);
  auto* decoded = new wire::LeafNode(std::move(*leaf));
  std::free(std::exchange(encoded_[i], block));
  delete std::exchange(decoded_[i], decoded);
  note_decoded(i);
  if (i >= end_) end_ = i + 1;
  // A tree that is never told to release its copies still keeps its list bounded.
  if (decoded_slots_.size() > 2 * end_ + 64) {
    std::sort(decoded_slots_.begin(), decoded_slots_.end());
    decoded_slots_.erase(std::unique(decoded_slots_.begin(), decoded_slots_.end()),
                         decoded_slots_.end());
  }
}

void LeafStore::set_encoded_only(uint64_t i, const wire::LeafNode& leaf) {
  uint8_t* block = encode_block(leaf);
  std::free(std::exchange(encoded_[i], block));
  drop_decoded(i);
  if (i >= end_) end_ = i + 1;
}

void LeafStore::set_encoding(uint64_t i, BytesView encoding) {
  uint8_t* block = block_of(encoding);
  std::free(std::exchange(encoded_[i], block));
  drop_decoded(i);
  if (i >= end_) end_ = i + 1;
}

void LeafStore::release_decoded() {
  for (uint64_t i : decoded_slots_)
    if (i < end_) drop_decoded(i);
  decoded_slots_.clear();
  decoded_slots_.shrink_to_fit();
}

}  // namespace conclave::tree::detail
