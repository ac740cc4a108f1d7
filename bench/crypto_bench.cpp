// The crypto floor: per cipher suite, the primitive operations MLS protocol costs are built
// from. Run: build/bin/crypto_bench
#include <benchmark/benchmark.h>

#include <string>

#include "conclave/crypto/openssl_provider.h"
#include "conclave/crypto/suite.h"

namespace {

using conclave::Bytes;
using conclave::crypto::Suite;

Suite suite_for(const benchmark::State& state) {
  return Suite(conclave::crypto::openssl_provider(), static_cast<uint16_t>(state.range(0)));
}

void label_with_suite(benchmark::State& state, const Suite& suite) {
  state.SetLabel(std::string(suite.info().name));
}

void BM_SignWithLabel(benchmark::State& state) {
  const Suite suite = suite_for(state);
  const auto key = suite.generate_signature_key_pair();
  const Bytes content(32, 0x42);
  for (auto _ : state)
    benchmark::DoNotOptimize(suite.sign_with_label(key.private_key.view(), "Bench", content));
  label_with_suite(state, suite);
}

void BM_VerifyWithLabel(benchmark::State& state) {
  const Suite suite = suite_for(state);
  const auto key = suite.generate_signature_key_pair();
  const Bytes content(32, 0x42);
  const Bytes signature = suite.sign_with_label(key.private_key.view(), "Bench", content);
  for (auto _ : state)
    benchmark::DoNotOptimize(suite.verify_with_label(key.public_key, "Bench", content, signature));
  label_with_suite(state, suite);
}

void BM_HpkeSeal32(benchmark::State& state) {
  const Suite suite = suite_for(state);
  const auto key = suite.generate_hpke_key_pair();
  const Bytes plaintext(32, 0x42);
  for (auto _ : state)
    benchmark::DoNotOptimize(suite.encrypt_with_label(key.public_key, "Bench", {}, plaintext));
  label_with_suite(state, suite);
}

void BM_HpkeOpen32(benchmark::State& state) {
  const Suite suite = suite_for(state);
  const auto key = suite.generate_hpke_key_pair();
  const Bytes plaintext(32, 0x42);
  const auto sealed = suite.encrypt_with_label(key.public_key, "Bench", {}, plaintext);
  for (auto _ : state)
    benchmark::DoNotOptimize(suite.decrypt_with_label(key.private_key.view(), "Bench", {},
                                                      sealed.kem_output, sealed.ciphertext));
  label_with_suite(state, suite);
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

}  // namespace
