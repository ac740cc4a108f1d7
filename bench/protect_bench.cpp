// PrivateMessage protect/unprotect of 100 B and 10 KiB application messages (RFC 9420 §6.3)
// for every cipher suite, on a key schedule built here: no group is involved.
// Run: build/bin/protect_bench
#include <benchmark/benchmark.h>

#include <string>
#include <vector>

#include "conclave/crypto/openssl_provider.h"
#include "conclave/crypto/suite.h"
#include "conclave/schedule/detail/private_message.h"
#include "conclave/schedule/detail/public_message.h"
#include "conclave/schedule/key_schedule.h"
#include "conclave/schedule/secret_tree.h"

namespace {

using namespace conclave;

constexpr uint32_t kLeaves = 1024;  // the secret tree's size does not change the cost (lazy)
constexpr uint32_t kSender = 517;

struct Fixture {
  crypto::Suite suite;
  wire::GroupContext context;
  schedule::EpochSecrets epoch;
  crypto::KeyPair signer;

  explicit Fixture(uint16_t suite_id) : suite(crypto::openssl_provider(), suite_id) {
    context.cipher_suite = suite_id;
    context.group_id = to_bytes("bench group");
    context.epoch = 1;
    context.tree_hash = Bytes(suite.hash_len(), 1);
    context.confirmed_transcript_hash = Bytes(suite.hash_len(), 2);
    const auto zero = schedule::zero_secret(suite);
    epoch = schedule::run_key_schedule(suite, schedule::random_init_secret(suite).view(),
                                       suite.random_secret(suite.hash_len()).view(), zero.view(),
                                       context)
                .epoch;
    signer = suite.generate_signature_key_pair();
  }

  schedule::SecretTree tree() const {
    return schedule::SecretTree(suite, tree::LeafCount(kLeaves), epoch.encryption_secret,
                                schedule::RatchetWindow{5, 1u << 30});
  }

  wire::AuthenticatedContent content(size_t size) const {
    wire::AuthenticatedContent ac;
    ac.wire_format = wire::WireFormat::kPrivateMessage;
    ac.content.group_id = context.group_id;
    ac.content.epoch = context.epoch;
    ac.content.sender = wire::Sender::member(kSender);
    ac.content.content = wire::ApplicationData{Bytes(size, 0x61)};
    ac.auth.signature = schedule::sign_framed_content(suite, ac.wire_format, ac.content,
                                                      signer.private_key.view(), context);
    return ac;
  }
};

// Protect: sign + encrypt, as a sender does for each message.
void BM_Protect(benchmark::State& state) {
  const Fixture f(static_cast<uint16_t>(state.range(0)));
  auto tree = f.tree();
  const size_t size = static_cast<size_t>(state.range(1));
  for (auto _ : state) {
    auto ac = f.content(size);
    benchmark::DoNotOptimize(
        schedule::protect_private_message(f.suite, ac, tree, f.epoch.sender_data_secret.view()));
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * size));
  state.SetLabel(std::string(f.suite.info().name));
}

// Unprotect: decrypt + verify the signature, in order.
void BM_Unprotect(benchmark::State& state) {
  const Fixture f(static_cast<uint16_t>(state.range(0)));
  const size_t size = static_cast<size_t>(state.range(1));
  auto sender = f.tree();
  const auto ac = f.content(size);
  constexpr size_t kBatch = 256;
  std::vector<wire::PrivateMessage> messages;
  for (size_t i = 0; i < kBatch; ++i)
    messages.push_back(
        schedule::protect_private_message(f.suite, ac, sender, f.epoch.sender_data_secret.view()));
  auto receiver = f.tree();
  size_t next = 0;
  for (auto _ : state) {
    if (next == kBatch) {
      state.PauseTiming();
      messages.clear();
      for (size_t i = 0; i < kBatch; ++i)
        messages.push_back(schedule::protect_private_message(f.suite, ac, sender,
                                                             f.epoch.sender_data_secret.view()));
      next = 0;
      state.ResumeTiming();
    }
    benchmark::DoNotOptimize(schedule::unprotect_private_message(
        f.suite, messages[next++], receiver, f.epoch.sender_data_secret.view(),
        [&](const wire::AuthenticatedContent& c) {
          schedule::verify_framed_content(f.suite, c, f.signer.public_key, f.context);
        }));
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * size));
  state.SetLabel(std::string(f.suite.info().name));
}

void Sizes(benchmark::internal::Benchmark* b) {
  for (int suite = 1; suite <= 7; ++suite)
    for (int size : {100, 10 * 1024})
      b->Args({suite, size});
  b->Unit(benchmark::kMicrosecond);
}

BENCHMARK(BM_Protect)->Apply(Sizes);
BENCHMARK(BM_Unprotect)->Apply(Sizes);

}  // namespace
