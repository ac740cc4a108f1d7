#include "conclave/codec/codec.h"

#include <algorithm>
#include <string>

namespace conclave::codec {

void Writer::u16(uint16_t v) {
  make_room(2);
  buf_.push_back(static_cast<uint8_t>(v >> 8));
  buf_.push_back(static_cast<uint8_t>(v));
}

void Writer::u32(uint32_t v) {
  make_room(4);
  for (int shift = 24; shift >= 0; shift -= 8)
    buf_.push_back(static_cast<uint8_t>(v >> shift));
}

void Writer::u64(uint64_t v) {
  make_room(8);
  for (int shift = 56; shift >= 0; shift -= 8)
    buf_.push_back(static_cast<uint8_t>(v >> shift));
}

void Writer::grow_secret(size_t needed) {
  Bytes grown;
  grown.reserve(std::max(needed, 2 * buf_.capacity()));
  grown.assign(buf_.begin(), buf_.end());
  secure_wipe(buf_.data(), buf_.capacity());
  buf_ = std::move(grown);
}

namespace {

// RFC 9420 §2.1.2: the fewest of 1, 2 or 4 bytes that hold the value.
size_t varint_size(uint64_t v) {
  if (v < (1u << 6)) return 1;
  if (v < (1u << 14)) return 2;
  if (v <= kMaxVarint) return 4;
  throw Error(ErrorCode::kLengthTooLarge,
              "length " + std::to_string(v) + " does not fit a 30-bit varint");
}

void put_varint(uint8_t* out, size_t size, uint64_t v) {
  switch (size) {
    case 1: out[0] = static_cast<uint8_t>(v); break;
    case 2:
      out[0] = static_cast<uint8_t>(0x40 | (v >> 8));
      out[1] = static_cast<uint8_t>(v);
      break;
    default:
      out[0] = static_cast<uint8_t>(0x80 | (v >> 24));
      out[1] = static_cast<uint8_t>(v >> 16);
      out[2] = static_cast<uint8_t>(v >> 8);
      out[3] = static_cast<uint8_t>(v);
      break;
  }
}

}  // namespace

void Writer::varint(uint64_t v) {
  const size_t size = varint_size(v);
  make_room(size);
  const size_t at = buf_.size();
  buf_.resize(at + size);
  put_varint(buf_.data() + at, size, v);
}

void Writer::prefix_length(size_t start) {
  const uint64_t length = buf_.size() - start;
  const size_t size = varint_size(length);
  uint8_t header[4];
  put_varint(header, size, length);
  make_room(size);  // the insertion then shifts the bytes within the buffer
  buf_.insert(buf_.begin() + static_cast<std::ptrdiff_t>(start), header, header + size);
}

BytesView Reader::raw(size_t n) {
  if (n > remaining())
    throw Error(ErrorCode::kTruncated,
                "need " + std::to_string(n) + " bytes, " + std::to_string(remaining()) + " left");
  BytesView out = data_.subspan(pos_, n);
  pos_ += n;
  return out;
}

uint8_t Reader::u8() {
  return raw(1)[0];
}

uint16_t Reader::u16() {
  BytesView b = raw(2);
  return static_cast<uint16_t>((b[0] << 8) | b[1]);
}

uint32_t Reader::u32() {
  BytesView b = raw(4);
  return (uint32_t{b[0]} << 24) | (uint32_t{b[1]} << 16) | (uint32_t{b[2]} << 8) | b[3];
}

uint64_t Reader::u64() {
  BytesView b = raw(8);
  uint64_t v = 0;
  for (uint8_t byte : b)
    v = (v << 8) | byte;
  return v;
}

uint64_t Reader::varint() {
  const uint8_t first = u8();
  const uint8_t prefix = first >> 6;
  if (prefix == 3)
    throw Error(ErrorCode::kVarintPrefixInvalid, "varint prefix 0b11 (length of 2^30 or more)");
  const size_t size = size_t{1} << prefix;
  uint64_t v = first & 0x3f;
  for (uint8_t byte : raw(size - 1))
    v = (v << 8) | byte;
  // §2.1.2: a value that fits in half the bytes was not minimally encoded.
  if (prefix >= 1 && v < (uint64_t{1} << (8 * (size / 2) - 2)))
    throw Error(ErrorCode::kVarintNotMinimal,
                "value " + std::to_string(v) + " encoded in " + std::to_string(size) + " bytes");
  return v;
}

Reader Reader::vector() {
  const uint64_t length = varint();
  if (length > remaining())
    throw Error(ErrorCode::kLengthBeyondInput, "vector length " + std::to_string(length) + " but " +
                                                   std::to_string(remaining()) + " bytes left");
  return Reader(raw(static_cast<size_t>(length)));
}

BytesView Reader::rest() {
  return raw(remaining());
}

void Reader::expect_end(const char* what) const {
  if (!empty())
    throw Error(ErrorCode::kTrailingBytes,
                std::to_string(remaining()) + " bytes after the end of the " + what);
}

}  // namespace conclave::codec
