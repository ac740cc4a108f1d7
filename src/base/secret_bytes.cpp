#include "conclave/base/secret_bytes.h"

namespace conclave {

SecretBytes& SecretBytes::operator=(const SecretBytes& other) {
  if (this != &other) {
    wipe();
    data_ = other.data_;
  }
  return *this;
}

SecretBytes& SecretBytes::operator=(SecretBytes&& other) noexcept {
  if (this != &other) {
    wipe();
    data_ = std::move(other.data_);
    other.wipe();
  }
  return *this;
}

void SecretBytes::resize(size_t size) {
  if (size <= data_.capacity()) {
    if (size < data_.size()) secure_wipe(data_.data() + size, data_.size() - size);
    data_.resize(size, 0);
    return;
  }
  Bytes grown(size, 0);
  std::copy(data_.begin(), data_.end(), grown.begin());
  wipe();
  data_ = std::move(grown);
}

void SecretBytes::wipe() {
  // Wipe the whole capacity: a shrink may have left secret bytes past size().
  secure_wipe(data_.data(), data_.capacity());
  data_.clear();
}

}  // namespace conclave
