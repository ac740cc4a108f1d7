/// @file
/// The TLS presentation language of RFC 9420 §2.1 with MLS variable-length vector headers.
///
/// A struct declares its wire fields once, in order, with CONCLAVE_TLS_FIELDS(a, b, c); encoding
/// and decoding are both derived from that list. Types whose layout is not a plain sequence of
/// fields (a `select` on a type tag) implement `void tls_encode(Writer&) const` and
/// `void tls_decode(Reader&)` instead.
///
/// Supported field types: uint8_t/uint16_t/uint32_t/uint64_t (big-endian), enums (as their
/// underlying type; if `bool tls_enum_known(E)` is found by ADL, decoding rejects values for
/// which it returns false), Bytes and std::string (opaque<V>), SecretBytes (opaque<V>),
/// std::vector<T> (T elements<V>), std::optional<T> (§2.1.1), std::array<uint8_t, N> (opaque[N]),
/// and any struct of the two kinds above.
///
/// Decoding is strict and total: every read is bounded by its input and every failure throws
/// conclave::Error with a codec ErrorCode; nothing is read past a vector's declared length.
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

/// RFC 9420 §2.1.2: lengths are encoded in 1, 2 or 4 bytes and must be below 2^30.
inline constexpr uint64_t kMaxVarint = (uint64_t{1} << 30) - 1;

/// Appends TLS-encoded values to a growing buffer. Every method appends; nothing can fail but
/// a length that cannot be encoded (varint()).
class Writer {
 public:
  /// An empty buffer.
  Writer() = default;
  /// Moving hands the buffer over; copies and assignments could leave a secret writer's bytes
  /// in a buffer nobody wipes, and nothing needs them.
  Writer(Writer&&) = default;
  Writer(const Writer&) = delete;             ///< Not copyable (see the move constructor).
  Writer& operator=(const Writer&) = delete;  ///< Not copyable.
  Writer& operator=(Writer&&) = delete;       ///< Not assignable.
  /// A secret writer's buffer may hold secrets up to its capacity: wipe it before it is freed.
  ~Writer() {
    if (secret_) secure_wipe(buf_.data(), buf_.capacity());
  }

  /// One byte.
  void u8(uint8_t v) {
    make_room(1);
    buf_.push_back(v);
  }
  /// Two bytes, big-endian.
  void u16(uint16_t v);
  /// Four bytes, big-endian.
  void u32(uint32_t v);
  /// Eight bytes, big-endian.
  void u64(uint64_t v);
  /// The bytes as they are, without a length (a fixed-size field).
  void raw(BytesView data) {
    make_room(data.size());
    buf_.insert(buf_.end(), data.begin(), data.end());
  }
  /// Minimal encoding (§2.1.2). Throws Error(kLengthTooLarge) for values of 2^30 or more.
  void varint(uint64_t v);
  /// opaque<V>: a length header and the bytes.
  void opaque(BytesView data) {
    varint(data.size());
    raw(data);
  }
  /// T items<V>: writes whatever `body` writes, preceded by its length in bytes.
  template <class Body>
  void vector(Body&& body) {
    const size_t start = buf_.size();
    body(*this);
    prefix_length(start);
  }

  /// Room for n bytes in all, so that a large encoding is not moved as it grows.
  void reserve(size_t n) {
    if (n <= buf_.capacity()) return;
    if (secret_)
      grow_secret(n);
    else
      buf_.reserve(n);
  }
  /// What was written so far.
  const Bytes& bytes() const { return buf_; }
  /// Hands the buffer over; the writer is left empty.
  Bytes take() { return std::move(buf_); }
  /// Bytes written so far.
  size_t size() const { return buf_.size(); }

 protected:
  /// Selects the constructor of a secret writer (SecretWriter).
  struct SecretMode {};
  /// A writer whose buffer is wiped whenever it is given up (SecretWriter).
  explicit Writer(SecretMode) : secret_(true) {}

 private:
  /// Makes room for n more bytes. A secret writer grows here rather than letting std::vector
  /// reallocate, which would free the old buffer with the secret still in it.
  void make_room(size_t n) {
    if (secret_ && buf_.capacity() - buf_.size() < n) grow_secret(buf_.size() + n);
  }
  /// Copies into a new allocation, then wipes the old buffer before it is freed.
  void grow_secret(size_t needed);
  /// Inserts the varint length of buf_[start..] at start.
  void prefix_length(size_t start);
  Bytes buf_;
  bool secret_ = false;
};

/// A Writer for encodings that hold secrets (key material, serialized group state): no copy of
/// the bytes is left behind in freed memory, neither when the buffer grows nor when the writer
/// is destroyed before take(), and take() hands the buffer over as SecretBytes without copying.
class SecretWriter : public Writer {
 public:
  /// An empty buffer.
  SecretWriter() : Writer(SecretMode{}) {}
  /// Hands the buffer over as SecretBytes, without a copy; the writer is left empty.
  SecretBytes take() { return SecretBytes(Writer::take()); }
};

/// Reads TLS-encoded values from a bounded view, front to back. Every read checks what is left
/// and throws Error with a codec ErrorCode rather than read past the end; the caller checks
/// that nothing is left over (expect_end()).
class Reader {
 public:
  /// A reader over `data`, which must outlive it.
  explicit Reader(BytesView data) : data_(data) {}

  /// One byte. Like every read, throws Error(kTruncated) when the input is too short.
  uint8_t u8();
  /// Two bytes, big-endian.
  uint16_t u16();
  /// Four bytes, big-endian.
  uint32_t u32();
  /// Eight bytes, big-endian.
  uint64_t u64();
  /// The next n bytes, as they are. Throws Error(kTruncated) when fewer than n bytes remain.
  BytesView raw(size_t n);
  /// A variable-length integer. Throws kVarintPrefixInvalid for the 0b11 prefix and
  /// kVarintNotMinimal for an over-long encoding (§2.1.2).
  uint64_t varint();
  /// Reads a length header and returns a reader over exactly that many bytes, advancing this
  /// reader past them. Throws kLengthBeyondInput when the length exceeds what is left.
  Reader vector();
  /// opaque<V>: a length header and that many bytes.
  BytesView opaque() { return vector().rest(); }

  /// True when every byte was read.
  bool empty() const { return pos_ == data_.size(); }
  /// Bytes not yet read.
  size_t remaining() const { return data_.size() - pos_; }
  /// Bytes read so far.
  size_t position() const { return pos_; }
  /// Everything not yet read; the reader ends up empty.
  BytesView rest();
  /// Throws Error(kTrailingBytes) unless every byte was consumed; `what` names the input in
  /// the detail.
  void expect_end(const char* what) const;

 private:
  BytesView data_;
  size_t pos_ = 0;
};

/// Declares a struct's wire fields, in wire order. Both directions derive from this list.
#define CONCLAVE_TLS_FIELDS(...)  \
  auto tls_tie() {                \
    return std::tie(__VA_ARGS__); \
  }                               \
  auto tls_tie() const {          \
    return std::tie(__VA_ARGS__); \
  }

/// A struct that declares its wire fields with CONCLAVE_TLS_FIELDS.
template <class T>
concept FieldStruct = requires(T& t, const T& c) {
  t.tls_tie();
  c.tls_tie();
};

/// A type with its own tls_encode(Writer&) const and tls_decode(Reader&).
template <class T>
concept CustomCodec = requires(const T& c, T& t, Writer& w, Reader& r) {
  c.tls_encode(w);
  t.tls_decode(r);
};

/// An enum with a tls_enum_known(E) found by ADL: decoding refuses values it rejects.
template <class E>
concept CheckedEnum = std::is_enum_v<E> && requires(E e) {
  { tls_enum_known(e) } -> std::same_as<bool>;
};

/// Whether T is a std::vector (encoded as T elements<V>).
template <class T>
struct IsStdVector : std::false_type {};
/// A std::vector.
template <class T, class A>
struct IsStdVector<std::vector<T, A>> : std::true_type {};
/// Whether T is a std::optional (encoded as in §2.1.1).
template <class T>
struct IsStdOptional : std::false_type {};
/// A std::optional.
template <class T>
struct IsStdOptional<std::optional<T>> : std::true_type {};
/// Whether T is a fixed-size byte array (encoded as opaque[N]).
template <class T>
struct IsByteArray : std::false_type {};
/// A std::array of bytes.
template <size_t N>
struct IsByteArray<std::array<uint8_t, N>> : std::true_type {};

/// Appends the encoding of `value` to `w`, for every field type the file comment lists.
template <class T>
void write(Writer& w, const T& value);
/// Decodes `value` from `r`, for every field type the file comment lists; throws Error with a
/// codec ErrorCode when the input does not hold a valid encoding.
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

/// Encodes a value as a top-level message.
template <class T>
Bytes encode(const T& value) {
  Writer w;
  write(w, value);
  return w.take();
}

/// Encodes a value that holds secrets (see SecretWriter).
template <class T>
SecretBytes encode_secret(const T& value) {
  SecretWriter w;
  write(w, value);
  return w.take();
}

/// Decodes a top-level message; every byte must belong to it (kTrailingBytes otherwise).
template <class T>
T decode(BytesView data) {
  Reader r(data);
  T value{};
  read(r, value);
  r.expect_end("top-level message");
  return value;
}

}  // namespace conclave::codec
