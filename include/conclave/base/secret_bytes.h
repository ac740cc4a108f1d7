// SecretBytes: key material that wipes its memory when it is destroyed, moved from, or resized.
#pragma once

#include <compare>
#include <cstddef>
#include <cstdint>
#include <initializer_list>

#include "conclave/base/bytes.h"

namespace conclave {

class SecretBytes {
 public:
  SecretBytes() = default;
  explicit SecretBytes(size_t size) : data_(size, 0) {}
  explicit SecretBytes(BytesView data) : data_(data.begin(), data.end()) {}
  // Takes ownership of a buffer; the source vector is left empty.
  explicit SecretBytes(Bytes&& data) : data_(std::move(data)) {}

  SecretBytes(const SecretBytes& other) = default;
  SecretBytes(SecretBytes&& other) noexcept : data_(std::move(other.data_)) { other.wipe(); }
  SecretBytes& operator=(const SecretBytes& other);
  SecretBytes& operator=(SecretBytes&& other) noexcept;
  ~SecretBytes() { wipe(); }

  uint8_t* data() { return data_.data(); }
  const uint8_t* data() const { return data_.data(); }
  size_t size() const { return data_.size(); }
  bool empty() const { return data_.empty(); }
  uint8_t& operator[](size_t i) { return data_[i]; }
  const uint8_t& operator[](size_t i) const { return data_[i]; }
  auto begin() const { return data_.begin(); }
  auto end() const { return data_.end(); }

  // Secrets are viewed explicitly, so every place one is handed on says so. Deleted rather
  // than left out: std::span's range constructor would otherwise convert a const SecretBytes.
  BytesView view() const { return {data_.data(), data_.size()}; }
  operator BytesView() const = delete;
  std::span<uint8_t> mutable_view() { return {data_.data(), data_.size()}; }

  // Copies the secret into plain bytes, e.g. to serialize it into protected storage. The name
  // makes every place a secret leaves its wiping container visible.
  Bytes copy_out() const { return data_; }

  // Resizing wipes the old buffer first, so no stale copy survives a reallocation.
  void resize(size_t size);
  void wipe();

  // Constant time in the content (lengths are public).
  friend bool operator==(const SecretBytes& a, const SecretBytes& b) {
    return constant_time_equal(a.view(), b.view());
  }

 private:
  Bytes data_;
};

}  // namespace conclave
