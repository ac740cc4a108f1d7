// The crypto floor: per cipher suite, the primitive operations MLS protocol costs are built
// from. Run: build/bin/crypto_bench. The *_Sodium benchmarks and the provider-level ones
// (BM_Ed25519*, BM_X25519*) measure sodium_provider() over OpenSSL beside OpenSSL alone, for the
// suites whose signatures and KEM libsodium does (1 and 3).
#include <benchmark/benchmark.h>

#include <memory>
#include <string>

#include "conclave/crypto/openssl_provider.h"
#include "conclave/crypto/sodium_provider.h"
#include "conclave/crypto/suite.h"

namespace {

using conclave::Bytes;
using conclave::crypto::CryptoProvider;
using conclave::crypto::Suite;
using Provider = std::shared_ptr<const CryptoProvider>;

Provider openssl() {
  return conclave::crypto::openssl_provider();
}

// Null when the build has no libsodium: the benchmark then reports itself skipped.
Provider sodium() {
  static const Provider instance =
      conclave::crypto::sodium_available() ? conclave::crypto::sodium_provider(openssl()) : nullptr;
  return instance;
}

bool skipped_without(benchmark::State& state, const Provider& provider) {
  if (provider != nullptr) return false;
  state.SkipWithError("built without libsodium");
  return true;
}

Suite suite_for(const benchmark::State& state, Provider provider = openssl()) {
  return Suite(std::move(provider), static_cast<uint16_t>(state.range(0)));
}

void label_with_suite(benchmark::State& state, const Suite& suite) {
  state.SetLabel(std::string(suite.info().name));
}

void sign_with_label(benchmark::State& state, Provider provider) {
  if (skipped_without(state, provider)) return;
  const Suite suite = suite_for(state, provider);
  const auto key = suite.generate_signature_key_pair();
  const Bytes content(32, 0x42);
  for (auto _ : state)
    benchmark::DoNotOptimize(suite.sign_with_label(key.private_key.view(), "Bench", content));
  label_with_suite(state, suite);
}

void verify_with_label(benchmark::State& state, Provider provider) {
  if (skipped_without(state, provider)) return;
  const Suite suite = suite_for(state, provider);
  const auto key = suite.generate_signature_key_pair();
  const Bytes content(32, 0x42);
  const Bytes signature = suite.sign_with_label(key.private_key.view(), "Bench", content);
  for (auto _ : state)
    benchmark::DoNotOptimize(suite.verify_with_label(key.public_key, "Bench", content, signature));
  label_with_suite(state, suite);
}

void hpke_seal32(benchmark::State& state, Provider provider) {
  if (skipped_without(state, provider)) return;
  const Suite suite = suite_for(state, provider);
  const auto key = suite.generate_hpke_key_pair();
  const Bytes plaintext(32, 0x42);
  for (auto _ : state)
    benchmark::DoNotOptimize(suite.encrypt_with_label(key.public_key, "Bench", {}, plaintext));
  label_with_suite(state, suite);
}

void hpke_open32(benchmark::State& state, Provider provider) {
  if (skipped_without(state, provider)) return;
  const Suite suite = suite_for(state, provider);
  const auto key = suite.generate_hpke_key_pair();
  const Bytes plaintext(32, 0x42);
  const auto sealed = suite.encrypt_with_label(key.public_key, "Bench", {}, plaintext);
  for (auto _ : state)
    benchmark::DoNotOptimize(suite.decrypt_with_label(key.private_key.view(), "Bench", {},
                                                      sealed.kem_output, sealed.ciphertext));
  label_with_suite(state, suite);
}

void BM_SignWithLabel(benchmark::State& state) {
  sign_with_label(state, openssl());
}
void BM_VerifyWithLabel(benchmark::State& state) {
  verify_with_label(state, openssl());
}
void BM_HpkeSeal32(benchmark::State& state) {
  hpke_seal32(state, openssl());
}
void BM_HpkeOpen32(benchmark::State& state) {
  hpke_open32(state, openssl());
}
void BM_SignWithLabel_Sodium(benchmark::State& state) {
  sign_with_label(state, sodium());
}
void BM_VerifyWithLabel_Sodium(benchmark::State& state) {
  verify_with_label(state, sodium());
}
void BM_HpkeSeal32_Sodium(benchmark::State& state) {
  hpke_seal32(state, sodium());
}
void BM_HpkeOpen32_Sodium(benchmark::State& state) {
  hpke_open32(state, sodium());
}

// The primitives alone, through the provider interface: Ed25519 sign and verify of a 100-byte
// message (about a LeafNodeTBS's size class), X25519 DH with the key pair given.
void ed25519_sign(benchmark::State& state, Provider provider) {
  if (skipped_without(state, provider)) return;
  const auto scheme = conclave::crypto::SignatureScheme::kEd25519;
  const auto key = provider->signature_generate(scheme);
  const Bytes message(100, 0x42);
  for (auto _ : state)
    benchmark::DoNotOptimize(provider->sign(scheme, key.private_key.view(), message));
}

void ed25519_verify(benchmark::State& state, Provider provider) {
  if (skipped_without(state, provider)) return;
  const auto scheme = conclave::crypto::SignatureScheme::kEd25519;
  const auto key = provider->signature_generate(scheme);
  const Bytes message(100, 0x42);
  const Bytes signature = provider->sign(scheme, key.private_key.view(), message);
  for (auto _ : state)
    benchmark::DoNotOptimize(provider->verify(scheme, key.public_key, message, signature));
}

void x25519_dh(benchmark::State& state, Provider provider) {
  if (skipped_without(state, provider)) return;
  const auto kem = conclave::crypto::KemId::kDhkemX25519Sha256;
  const auto mine = provider->dh_generate(kem);
  const auto peer = provider->dh_generate(kem);
  for (auto _ : state)
    benchmark::DoNotOptimize(provider->dh_with_public_key(kem, mine.private_key.view(),
                                                          mine.public_key, peer.public_key));
}

void BM_Ed25519Sign(benchmark::State& state) {
  ed25519_sign(state, state.range(0) == 0 ? openssl() : sodium());
}
void BM_Ed25519Verify(benchmark::State& state) {
  ed25519_verify(state, state.range(0) == 0 ? openssl() : sodium());
}
void BM_X25519Dh(benchmark::State& state) {
  x25519_dh(state, state.range(0) == 0 ? openssl() : sodium());
}

void BM_DeriveKeyPair(benchmark::State& state) {
  const Suite suite = suite_for(state);
  const Bytes ikm(suite.hash_len(), 0x42);
  for (auto _ : state)
    benchmark::DoNotOptimize(suite.derive_hpke_key_pair(ikm));
  label_with_suite(state, suite);
}

void BM_ExpandWithLabel(benchmark::State& state) {
  const Suite suite = suite_for(state);
  const Bytes secret(suite.hash_len(), 0x42);
  for (auto _ : state)
    benchmark::DoNotOptimize(suite.expand_with_label(secret, "Bench", {}, suite.hash_len()));
  label_with_suite(state, suite);
}

// Suites 1..7 of RFC 9420 §17.1.
#define CONCLAVE_PER_SUITE(fn) BENCHMARK(fn)->DenseRange(1, 7)->Unit(benchmark::kMicrosecond)
CONCLAVE_PER_SUITE(BM_SignWithLabel);
CONCLAVE_PER_SUITE(BM_VerifyWithLabel);
CONCLAVE_PER_SUITE(BM_HpkeSeal32);
CONCLAVE_PER_SUITE(BM_HpkeOpen32);
CONCLAVE_PER_SUITE(BM_DeriveKeyPair);
CONCLAVE_PER_SUITE(BM_ExpandWithLabel);

// libsodium for Ed25519 and X25519 over OpenSSL: the suites it changes.
#define CONCLAVE_CURVE25519_SUITES(fn) BENCHMARK(fn)->Arg(1)->Arg(3)->Unit(benchmark::kMicrosecond)
CONCLAVE_CURVE25519_SUITES(BM_SignWithLabel_Sodium);
CONCLAVE_CURVE25519_SUITES(BM_VerifyWithLabel_Sodium);
CONCLAVE_CURVE25519_SUITES(BM_HpkeSeal32_Sodium);
CONCLAVE_CURVE25519_SUITES(BM_HpkeOpen32_Sodium);

// Argument 0: OpenSSL; 1: libsodium over OpenSSL.
#define CONCLAVE_PER_PROVIDER(fn) \
  BENCHMARK(fn)->ArgName("sodium")->Arg(0)->Arg(1)->Unit(benchmark::kMicrosecond)
CONCLAVE_PER_PROVIDER(BM_Ed25519Sign);
CONCLAVE_PER_PROVIDER(BM_Ed25519Verify);
CONCLAVE_PER_PROVIDER(BM_X25519Dh);

}  // namespace
