// The ratchet tree's key index (key_index.h).
#include "conclave/tree/key_index.h"

#include <array>
#include <bit>
#include <cstring>
#include <random>

namespace conclave::tree {

namespace {

// SipHash-1-3 (Aumasson and Bernstein): a keyed hash, so that which keys collide depends on a
// secret the sender of a key does not know.
struct SipKey {
  uint64_t k0, k1;
};

const SipKey& process_key() {
  static const SipKey key = [] {
    std::random_device random;
    const auto word = [&] { return (uint64_t{random()} << 32) ^ random(); };
    return SipKey{word(), word()};
  }();
  return key;
}

inline void sip_round(uint64_t& v0, uint64_t& v1, uint64_t& v2, uint64_t& v3) {
  v0 += v1;
  v1 = std::rotl(v1, 13);
  v1 ^= v0;
  v0 = std::rotl(v0, 32);
  v2 += v3;
  v3 = std::rotl(v3, 16);
  v3 ^= v2;
  v0 += v3;
  v3 = std::rotl(v3, 21);
  v3 ^= v0;
  v2 += v1;
  v1 = std::rotl(v1, 17);
  v1 ^= v2;
  v2 = std::rotl(v2, 32);
}

uint64_t siphash13(const SipKey& k, std::span<const uint8_t> in) {
  uint64_t v0 = k.k0 ^ 0x736f6d6570736575ULL;
  uint64_t v1 = k.k1 ^ 0x646f72616e646f6dULL;
  uint64_t v2 = k.k0 ^ 0x6c7967656e657261ULL;
  uint64_t v3 = k.k1 ^ 0x7465646279746573ULL;
  const size_t whole = in.size() / 8 * 8;
  for (size_t i = 0; i < whole; i += 8) {
    uint64_t m = 0;
    for (size_t b = 0; b < 8; ++b)  // little-endian words, on any host
      m |= uint64_t{in[i + b]} << (8 * b);
    v3 ^= m;
    sip_round(v0, v1, v2, v3);
    v0 ^= m;
  }
  uint64_t last = uint64_t{in.size() & 0xff} << 56;
  for (size_t b = 0; whole + b < in.size(); ++b)
    last |= uint64_t{in[whole + b]} << (8 * b);
  v3 ^= last;
  sip_round(v0, v1, v2, v3);
  v0 ^= last;
  v2 ^= 0xff;
  for (int r = 0; r < 3; ++r)
    sip_round(v0, v1, v2, v3);
  return v0 ^ v1 ^ v2 ^ v3;
}

constexpr size_t kMinSlots = 16;

}  // namespace

uint32_t KeyIndex::hash(std::span<const uint8_t> key) {
  return static_cast<uint32_t>(siphash13(process_key(), key));
}

void KeyIndex::reserve(size_t entries) {
  const size_t wanted = std::bit_ceil(std::max(kMinSlots, 2 * entries));
  if (wanted > slots_.size()) grow_to(wanted);
}

void KeyIndex::place(Slot slot) {
  size_t i = slot.hash & mask();
  while (slots_[i].value_plus_one != 0)
    i = (i + 1) & mask();
  slots_[i] = slot;
}

void KeyIndex::grow_to(size_t slots) {
  std::vector<Slot> old = std::move(slots_);
  slots_.assign(slots, Slot{});
  for (const Slot& s : old)
    if (s.value_plus_one != 0) place(s);
}

void KeyIndex::insert(std::span<const uint8_t> key, uint32_t value) {
  if (2 * (size_ + 1) > slots_.size()) grow_to(std::max(kMinSlots, 2 * slots_.size()));
  place(Slot{hash(key), value + 1});
  ++size_;
}

void KeyIndex::erase(std::span<const uint8_t> key, uint32_t value) {
  if (slots_.empty()) return;
  const uint32_t h = hash(key);
  size_t i = h & mask();
  for (;; i = (i + 1) & mask()) {
    if (slots_[i].value_plus_one == 0) return;  // not indexed
    if (slots_[i].hash == h && slots_[i].value_plus_one == value + 1) break;
  }
  // Backward-shift deletion: each later slot of the probe run whose home is not cyclically in
  // (i, j] moves into the gap, so no lookup ever stops early at it.
  --size_;
  for (size_t j = i;;) {
    slots_[i] = Slot{};
    for (;;) {
      j = (j + 1) & mask();
      if (slots_[j].value_plus_one == 0) return;
      const size_t home = slots_[j].hash & mask();
      const bool stays = i <= j ? (i < home && home <= j) : (i < home || home <= j);
      if (!stays) break;
    }
    slots_[i] = slots_[j];
    i = j;
  }
}

}  // namespace conclave::tree
