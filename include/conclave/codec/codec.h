// The TLS presentation language of RFC 9420 §2.1 with MLS variable-length vector headers.
//
// A struct declares its wire fields once, in order, with CONCLAVE_TLS_FIELDS(a, b, c); encoding
// and decoding are both derived from that list. Types whose layout is not a plain sequence of
// fields (a `select` on a type tag) implement `void tls_encode(Writer&) const` and
// `void tls_decode(Reader&)` instead.
//
// Supported field types: uint8_t/uint16_t/uint32_t/uint64_t (big-endian), enums (as their
// underlying type; if `bool tls_enum_known(E)` is found by ADL, decoding rejects values for
// which it returns false), Bytes and std::string (opaque<V>), SecretBytes (opaque<V>),
// std::vector<T> (T elements<V>), std::optional<T> (§2.1.1), std::array<uint8_t, N> (opaque[N]),
// and any struct of the two kinds above.
//
// Decoding is strict and total: every read is bounded by its input and every failure throws
// conclave::Error with a codec ErrorCode; nothing is read past a vector's declared length.
#pragma once

#include <array>
#include <concepts>
#include <cstdint>
#include <optional>
#include <string>
#include <tuple>
#include <type_traits>
#include <vector>

#include "conclave/base/bytes.h"
#include "conclave/base/error.h"
#include "conclave/base/secret_bytes.h"

namespace conclave::codec {

// RFC 9420 §2.1.2: lengths are encoded in 1, 2 or 4 bytes and must be below 2^30.
inline constexpr uint64_t kMaxVarint = (uint64_t{1} << 30) - 1;

class Writer {
 public:
  Writer() = default;
  // Moving hands the buffer over; copies and assignments could leave a secret writer's bytes
  // in a buffer nobody wipes, and nothing needs them.
  Writer(Writer&&) = default;
  Writer(const Writer&) = delete;
  Writer& operator=(const Writer&) = delete;
  Writer& operator=(Writer&&) = delete;
  // A secret writer's buffer may hold secrets up to its capacity: wipe it before it is freed.
  ~Writer() {
    if (secret_) secure_wipe(buf_.data(), buf_.capacity());
  }

  void u8(uint8_t v) {
    make_room(1);
    buf_.push_back(v);
  }
  void u16(uint16_t v);
  void u32(uint32_t v);
  void u64(uint64_t v);
  void raw(BytesView data) {
    make_room(data.size());
    buf_.insert(buf_.end(), data.begin(), data.end());
  }
  // Minimal encoding (§2.1.2). Throws Error(kLengthTooLarge) for values of 2^30 or more.
  void varint(uint64_t v);
  // opaque<V>: a length header and the bytes.
  void opaque(BytesView data) {
    varint(data.size());
    raw(data);
  }
  // T items<V>: writes whatever `body` writes, preceded by its length in bytes.
  template <class Body>
  void vector(Body&& body) {
    const size_t start = buf_.size();
    body(*this);
    prefix_length(start);
  }

  const Bytes& bytes() const { return buf_; }
  Bytes take() { return std::move(buf_); }
  size_t size() const { return buf_.size(); }

 protected:
  struct SecretMode {};
  explicit Writer(SecretMode) : secret_(true) {}

 private:
  // Makes room for n more bytes. A secret writer grows here rather than letting std::vector
  // reallocate, which would free the old buffer with the secret still in it.
  void make_room(size_t n) {
    if (secret_ && buf_.capacity() - buf_.size() < n) grow_secret(buf_.size() + n);
  }
  // Copies into a new allocation, then wipes the old buffer before it is freed.
  void grow_secret(size_t needed);
  // Inserts the varint length of buf_[start..] at start.
  void prefix_length(size_t start);
  Bytes buf_;
  bool secret_ = false;
};

// A Writer for encodings that hold secrets (key material, serialized group state): no copy of
// the bytes is left behind in freed memory, neither when the buffer grows nor when the writer
// is destroyed before take(), and take() hands the buffer over as SecretBytes without copying.
class SecretWriter : public Writer {
 public:
  SecretWriter() : Writer(SecretMode{}) {}
  SecretBytes take() { return SecretBytes(Writer::take()); }
};

class Reader {
 public:
  explicit Reader(BytesView data) : data_(data) {}

  uint8_t u8();
  uint16_t u16();
  uint32_t u32();
  uint64_t u64();
  // Throws Error(kTruncated) when fewer than n bytes remain.
  BytesView raw(size_t n);
  // Throws kVarintPrefixInvalid for the 0b11 prefix and kVarintNotMinimal for an over-long
  // encoding (§2.1.2).
  uint64_t varint();
  // Reads a length header and returns a reader over exactly that many bytes, advancing this
  // reader past them. Throws kLengthBeyondInput when the length exceeds what is left.
  Reader vector();
  BytesView opaque() { return vector().rest(); }

  bool empty() const { return pos_ == data_.size(); }
  size_t remaining() const { return data_.size() - pos_; }
  size_t position() const { return pos_; }
  // Everything not yet read; the reader ends up empty.
  BytesView rest();
  // Throws Error(kTrailingBytes) unless every byte was consumed.
  void expect_end(const char* what) const;

 private:
  BytesView data_;
  size_t pos_ = 0;
};

// Declares a struct's wire fields, in wire order. Both directions derive from this list.
#define CONCLAVE_TLS_FIELDS(...)  \
  auto tls_tie() {                \
    return std::tie(__VA_ARGS__); \
  }                               \
  auto tls_tie() const {          \
    return std::tie(__VA_ARGS__); \
  }

template <class T>
concept FieldStruct = requires(T& t, const T& c) {
  t.tls_tie();
  c.tls_tie();
};

template <class T>
concept CustomCodec = requires(const T& c, T& t, Writer& w, Reader& r) {
  c.tls_encode(w);
  t.tls_decode(r);
};

template <class E>
concept CheckedEnum = std::is_enum_v<E> && requires(E e) {
  { tls_enum_known(e) } -> std::same_as<bool>;
};

template <class T>
struct IsStdVector : std::false_type {};
template <class T, class A>
struct IsStdVector<std::vector<T, A>> : std::true_type {};
template <class T>
struct IsStdOptional : std::false_type {};
template <class T>
struct IsStdOptional<std::optional<T>> : std::true_type {};
template <class T>
struct IsByteArray : std::false_type {};
template <size_t N>
struct IsByteArray<std::array<uint8_t, N>> : std::true_type {};

template <class T>
void write(Writer& w, const T& value);
template <class T>
void read(Reader& r, T& value);

template <class T>
void write(Writer& w, const T& value) {
  if constexpr (std::is_same_v<T, uint8_t>) {
    w.u8(value);
  } else if constexpr (std::is_same_v<T, uint16_t>) {
    w.u16(value);
  } else if constexpr (std::is_same_v<T, uint32_t>) {
    w.u32(value);
  } else if constexpr (std::is_same_v<T, uint64_t>) {
    w.u64(value);
  } else if constexpr (std::is_same_v<T, bool>) {
    static_assert(!std::is_same_v<T, bool>, "encode booleans as an explicit uint8 field");
  } else if constexpr (std::is_enum_v<T>) {
    write(w, static_cast<std::underlying_type_t<T>>(value));
  } else if constexpr (std::is_same_v<T, Bytes> || std::is_same_v<T, SecretBytes>) {
    w.opaque(BytesView(value.data(), value.size()));
  } else if constexpr (std::is_same_v<T, std::string>) {
    w.opaque(as_bytes(value));
  } else if constexpr (IsByteArray<T>::value) {
    w.raw(value);
  } else if constexpr (IsStdVector<T>::value) {
    w.vector([&](Writer& inner) {
      for (const auto& item : value)
        write(inner, item);
    });
  } else if constexpr (IsStdOptional<T>::value) {
    w.u8(value.has_value() ? 1 : 0);
    if (value) write(w, *value);
  } else if constexpr (CustomCodec<T>) {
    value.tls_encode(w);
  } else if constexpr (FieldStruct<T>) {
    std::apply([&](const auto&... field) { (write(w, field), ...); }, value.tls_tie());
  } else {
    static_assert(sizeof(T) == 0, "type has no TLS encoding");
  }
}

template <class T>
void read(Reader& r, T& value) {
  if constexpr (std::is_same_v<T, uint8_t>) {
    value = r.u8();
  } else if constexpr (std::is_same_v<T, uint16_t>) {
    value = r.u16();
  } else if constexpr (std::is_same_v<T, uint32_t>) {
    value = r.u32();
  } else if constexpr (std::is_same_v<T, uint64_t>) {
    value = r.u64();
  } else if constexpr (std::is_enum_v<T>) {
    std::underlying_type_t<T> raw{};
    read(r, raw);
    value = static_cast<T>(raw);
    if constexpr (CheckedEnum<T>) {
      if (!tls_enum_known(value))
        throw Error(ErrorCode::kInvalidEnumValue, "enum value " + std::to_string(raw));
    }
  } else if constexpr (std::is_same_v<T, Bytes>) {
    BytesView v = r.opaque();
    value.assign(v.begin(), v.end());
  } else if constexpr (std::is_same_v<T, SecretBytes>) {
    value = SecretBytes(r.opaque());
  } else if constexpr (std::is_same_v<T, std::string>) {
    BytesView v = r.opaque();
    value.assign(v.begin(), v.end());
  } else if constexpr (IsByteArray<T>::value) {
    BytesView v = r.raw(value.size());
    std::copy(v.begin(), v.end(), value.begin());
  } else if constexpr (IsStdVector<T>::value) {
    Reader inner = r.vector();
    value.clear();
    while (!inner.empty()) {
      typename T::value_type item{};
      read(inner, item);
      value.push_back(std::move(item));
    }
  } else if constexpr (IsStdOptional<T>::value) {
    const uint8_t present = r.u8();
    if (present == 0) {
      value.reset();
    } else if (present == 1) {
      typename T::value_type inner{};
      read(r, inner);
      value = std::move(inner);
    } else {
      throw Error(ErrorCode::kInvalidOptionalFlag, "presence octet " + std::to_string(present));
    }
  } else if constexpr (CustomCodec<T>) {
    value.tls_decode(r);
  } else if constexpr (FieldStruct<T>) {
    std::apply([&](auto&... field) { (read(r, field), ...); }, value.tls_tie());
  } else {
    static_assert(sizeof(T) == 0, "type has no TLS decoding");
  }
}

// Encodes a value as a top-level message.
template <class T>
Bytes encode(const T& value) {
  Writer w;
  write(w, value);
  return w.take();
}

// Encodes a value that holds secrets (see SecretWriter).
template <class T>
SecretBytes encode_secret(const T& value) {
  SecretWriter w;
  write(w, value);
  return w.take();
}

// Decodes a top-level message; every byte must belong to it (kTrailingBytes otherwise).
template <class T>
T decode(BytesView data) {
  Reader r(data);
  T value{};
  read(r, value);
  r.expect_end("top-level message");
  return value;
}

}  // namespace conclave::codec
