// codec::SecretWriter and codec::encode_secret leave no copy of a secret in freed heap memory.
//
// To see freed memory, this test program (test_codec) replaces the global operator new and
// delete: while a Watch is on, operator delete looks through each block it is about to free for
// a marker that only the secrets in these tests contain. The plain Writer is watched the same
// way, and must be caught, so a watch that saw nothing cannot pass for a clean result.
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <cstddef>
#include <cstdlib>
#include <new>
#include <optional>
#include <vector>

#include "conclave/codec/codec.h"

namespace {

// Each block handed out by operator new starts with a header that records its size.
constexpr std::size_t kHeader = __STDCPP_DEFAULT_NEW_ALIGNMENT__;
static_assert(kHeader >= sizeof(std::size_t));

constexpr unsigned char kMarker[16] = {0x9e, 0x37, 0x79, 0xb9, 0x7f, 0x4a, 0x7c, 0x15,
                                       0xf3, 0x9c, 0xc0, 0x60, 0x5c, 0xed, 0xc8, 0x34};

struct Freed {
  std::size_t blocks = 0;       // blocks freed while watching
  std::size_t with_marker = 0;  // of those, blocks that still held a secret
};

std::atomic<bool> g_watching{false};
Freed g_freed;

// Runs inside operator delete: must not allocate.
void inspect(const unsigned char* block, std::size_t size) {
  ++g_freed.blocks;
  if (std::search(block, block + size, std::begin(kMarker), std::end(kMarker)) != block + size)
    ++g_freed.with_marker;
}

}  // namespace

void* operator new(std::size_t size) {
  void* base = std::malloc(size + kHeader);
  if (base == nullptr) throw std::bad_alloc();
  *static_cast<std::size_t*>(base) = size;
  return static_cast<unsigned char*>(base) + kHeader;
}

void operator delete(void* p) noexcept {
  if (p == nullptr) return;
  unsigned char* base = static_cast<unsigned char*>(p) - kHeader;
  if (g_watching.load(std::memory_order_relaxed))
    inspect(static_cast<unsigned char*>(p), *reinterpret_cast<std::size_t*>(base));
  std::free(base);
}

void* operator new[](std::size_t size) {
  return ::operator new(size);
}
void* operator new(std::size_t size, const std::nothrow_t&) noexcept {
  try {
    return ::operator new(size);
  } catch (...) {
    return nullptr;
  }
}
void* operator new[](std::size_t size, const std::nothrow_t&) noexcept {
  return ::operator new(size, std::nothrow);
}
void operator delete[](void* p) noexcept {
  ::operator delete(p);
}
void operator delete(void* p, std::size_t) noexcept {
  ::operator delete(p);
}
void operator delete[](void* p, std::size_t) noexcept {
  ::operator delete(p);
}
void operator delete(void* p, const std::nothrow_t&) noexcept {
  ::operator delete(p);
}
void operator delete[](void* p, const std::nothrow_t&) noexcept {
  ::operator delete(p);
}

namespace conclave::codec {
namespace {

// Counts the blocks freed between construction and stop(). Nothing that may allocate (gtest
// assertions included) belongs inside.
class Watch {
 public:
  Watch() {
    g_freed = {};
    g_watching = true;
  }
  ~Watch() { g_watching = false; }
  Freed stop() {
    g_watching = false;
    return g_freed;
  }
};

SecretBytes marked_secret(size_t copies) {
  SecretBytes s(copies * sizeof kMarker);
  for (size_t i = 0; i < s.size(); ++i)
    s[i] = kMarker[i % sizeof kMarker];
  return s;
}

struct Keys {
  uint32_t epoch = 0;
  std::vector<SecretBytes> secrets;
  std::optional<SecretBytes> extra;
  Bytes label;
  CONCLAVE_TLS_FIELDS(epoch, secrets, extra, label)
  friend bool operator==(const Keys&, const Keys&) = default;
};

Keys sample_keys() {
  Keys k;
  k.epoch = 7;
  for (size_t i = 0; i < 20; ++i)
    k.secrets.push_back(marked_secret(4));
  k.extra = marked_secret(1);
  k.label = to_bytes("keys");
  return k;
}

TEST(SecretWriter, EncodeSecretEncodesAsEncodeAndRoundTrips) {
  const Keys keys = sample_keys();
  const SecretBytes encoded = encode_secret(keys);
  const Bytes plain = encode(keys);
  EXPECT_TRUE(std::equal(encoded.begin(), encoded.end(), plain.begin(), plain.end()));
  EXPECT_EQ(decode<Keys>(encoded.view()), keys);
}

TEST(SecretWriter, GrowingLeavesNoSecretInFreedMemory) {
  const Keys keys = sample_keys();
  Bytes plain;
  SecretBytes secret;
  Watch plain_watch;
  plain = encode(keys);
  const Freed by_plain = plain_watch.stop();
  Watch secret_watch;
  secret = encode_secret(keys);
  const Freed by_secret = secret_watch.stop();

  // The plain writer's outgrown buffers still held secrets when freed: the watch sees them.
  EXPECT_GT(by_plain.with_marker, 0u);
  // The secret writer grew as often, and wiped each buffer before it was freed.
  EXPECT_GT(by_secret.blocks, 0u);
  EXPECT_EQ(by_secret.with_marker, 0u);
  EXPECT_TRUE(std::equal(secret.begin(), secret.end(), plain.begin(), plain.end()));
}

TEST(SecretWriter, VectorHeaderInsertedIntoAFullBufferLeavesNoSecret) {
  const SecretBytes secret = marked_secret(8);
  const auto body = [&](Writer& inner) { inner.raw(secret.view()); };
  // The first write fills a buffer of exactly its size, so the header that vector() inserts in
  // front must grow it.
  Writer plain;
  SecretWriter writer;
  Watch plain_watch;
  plain.vector(body);
  const Freed by_plain = plain_watch.stop();
  Watch secret_watch;
  writer.vector(body);
  const Freed by_secret = secret_watch.stop();

  EXPECT_EQ(by_plain.with_marker, 1u);
  EXPECT_EQ(by_secret.blocks, 1u);
  EXPECT_EQ(by_secret.with_marker, 0u);
  const SecretBytes out = writer.take();
  ASSERT_EQ(out.size(), 2 + secret.size());
  EXPECT_EQ(to_hex(out.view().first(2)), "4080");
  EXPECT_TRUE(std::equal(secret.begin(), secret.end(), out.begin() + 2));
}

TEST(SecretWriter, DestroyedBeforeTakeLeavesNoSecret) {
  const SecretBytes secret = marked_secret(2);
  Watch plain_watch;
  {
    Writer w;
    w.raw(secret.view());
  }
  const Freed by_plain = plain_watch.stop();
  Watch secret_watch;
  {
    SecretWriter w;
    w.raw(secret.view());
  }
  const Freed by_secret = secret_watch.stop();

  EXPECT_EQ(by_plain.with_marker, 1u);
  EXPECT_EQ(by_secret.blocks, 1u);
  EXPECT_EQ(by_secret.with_marker, 0u);
}

TEST(SecretWriter, TakeHandsOverTheBufferWithoutCopying) {
  SecretWriter w;
  w.opaque(marked_secret(3).view());
  const uint8_t* buffer = w.bytes().data();
  Watch watch;
  SecretBytes out = w.take();
  const Freed freed = watch.stop();

  EXPECT_EQ(out.data(), buffer);
  EXPECT_EQ(freed.blocks, 0u);
  EXPECT_EQ(out.size(), 1 + 3 * sizeof kMarker);
  EXPECT_EQ(w.size(), 0u);
}

}  // namespace
}  // namespace conclave::codec
