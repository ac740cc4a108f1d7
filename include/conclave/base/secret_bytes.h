/// @file
/// SecretBytes: key material that wipes its memory when it is destroyed, moved from, or resized.
#pragma once

#include <compare>
#include <cstddef>
#include <cstdint>
#include <initializer_list>

#include "conclave/base/bytes.h"

namespace conclave {

/// Bytes of key material. The buffer is wiped (secure_wipe()) when the object is destroyed,
/// moved from or resized, and comparisons take constant time. A SecretBytes never converts to a
/// BytesView silently: view() says where a secret is handed on.
class SecretBytes {
 public:
  /// Empty.
  SecretBytes() = default;
  /// `size` zero bytes.
  explicit SecretBytes(size_t size) : data_(size, 0) {}
  /// A copy of `data`.
  explicit SecretBytes(BytesView data) : data_(data.begin(), data.end()) {}
  /// Takes ownership of a buffer; the source vector is left empty.
  explicit SecretBytes(Bytes&& data) : data_(std::move(data)) {}

  /// A second copy of the secret, wiped in its turn.
  SecretBytes(const SecretBytes& other) = default;
  /// Takes the buffer over; `other` is left empty.
  SecretBytes(SecretBytes&& other) noexcept : data_(std::move(other.data_)) { other.wipe(); }
  /// Wipes this secret, then copies `other`.
  SecretBytes& operator=(const SecretBytes& other);
  /// Wipes this secret, then takes the buffer of `other`, which is left empty.
  SecretBytes& operator=(SecretBytes&& other) noexcept;
  /// Wipes the buffer.
  ~SecretBytes() { wipe(); }

  /// The first byte (writable).
  uint8_t* data() { return data_.data(); }
  /// The first byte.
  const uint8_t* data() const { return data_.data(); }
  /// Length in bytes.
  size_t size() const { return data_.size(); }
  /// True when there are no bytes.
  bool empty() const { return data_.empty(); }
  /// Byte `i` (writable; unchecked).
  uint8_t& operator[](size_t i) { return data_[i]; }
  /// Byte `i` (unchecked).
  const uint8_t& operator[](size_t i) const { return data_[i]; }
  /// Iterator to the first byte.
  auto begin() const { return data_.begin(); }
  /// Iterator past the last byte.
  auto end() const { return data_.end(); }

  /// A read-only view of the bytes. Secrets are viewed explicitly, so every place one is handed
  /// on says so. The implicit conversion is deleted rather than left out: std::span's range
  /// constructor would otherwise convert a const SecretBytes.
  BytesView view() const { return {data_.data(), data_.size()}; }
  /// Deleted: use view().
  operator BytesView() const = delete;
  /// A writable view of the bytes, to fill the secret in place.
  std::span<uint8_t> mutable_view() { return {data_.data(), data_.size()}; }

  /// Copies the secret into plain bytes, e.g. to serialize it into protected storage. The name
  /// makes every place a secret leaves its wiping container visible.
  Bytes copy_out() const { return data_; }

  /// Resizing wipes the old buffer first, so no stale copy survives a reallocation.
  void resize(size_t size);
  /// Overwrites the whole buffer, its spare capacity included, and empties the secret.
  void wipe();

  /// Constant time in the content (lengths are public).
  friend bool operator==(const SecretBytes& a, const SecretBytes& b) {
    return constant_time_equal(a.view(), b.view());
  }

 private:
  Bytes data_;
};

}  // namespace conclave
