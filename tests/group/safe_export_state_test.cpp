// Extensions draft §Exported Secrets: the Exporter Tree is epoch state. It is stored with the
// group (Group::serialize and the StorageProvider layout), consumed components stay consumed
// across a reload, a pending commit carries the next epoch's root, and states written before
// the safe exporter existed still load ("nothing acknowledged is lost"): in that epoch the
// safe exporter is unavailable (its root cannot be derived again: epoch_secret is deleted),
// and from the next epoch on it works.
#include <gtest/gtest.h>

#include "conclave/storage/memory_storage.h"
#include "conclave/wire/component.h"
#include "negative_test_util.h"

namespace conclave::group_testing {
namespace {

constexpr wire::ComponentId kChess = 0x8001;
constexpr uint16_t kExporterRecordKind = 7;  // src/group/state_records.h kExporterRecord

// The state blob of the build before the safe exporter (version 2), made from today's
// (version 3): version 3 is exactly version 2's layout with the version field 3, followed by
// optional<ExporterTree>. A fresh epoch's tree is present (0x01) and holds the suite (u16)
// and one node: the nodes vector's length, node 65535 (u32) and its secret<V>. Lengths take
// one byte below 64 and two from 64 on (RFC 9420 §2.1.2 varint): the secret's (KDF.Nh = 32,
// 48 or 64) and the vector's (4 + its secret's length and prefix). The earlier build's blob is the
// rest with the version set to 2.
SecretBytes state_before_exporter(const crypto::Suite& suite, const Group& g) {
  const SecretBytes now = g.serialize();
  const size_t nh = suite.hash_len();
  const size_t inner = 4 + (nh < 64 ? 1 : 2) + nh;
  const size_t trailer = 1 + 2 + (inner < 64 ? 1 : 2) + inner;
  Bytes old(now.view().begin(), now.view().end() - static_cast<std::ptrdiff_t>(trailer));
  const BytesView tail = now.view().subspan(old.size());
  // The trailer is what this function believes it is: present, this suite, the root alone.
  EXPECT_EQ(tail[0], 0x01);
  EXPECT_EQ((uint16_t{tail[1]} << 8) | tail[2], suite.id());
  EXPECT_EQ(old[0], 0x00);
  EXPECT_EQ(old[1], 0x03);
  old[1] = 0x02;
  return SecretBytes(std::move(old));
}

class SafeExportState : public NegativeGroupTest {};

// A state of the earlier format loads with everything but the safe exporter of its epoch; the
// next epoch's works and agrees with the other members.
TEST_P(SafeExportState, SerializedStateOfEarlierFormatLoads) {
  const SecretBytes old = state_before_exporter(suite, *b);
  Group loaded = Group::deserialize(provider, old.view(), accept_any_policy());
  EXPECT_EQ(loaded.epoch_authenticator(), b->epoch_authenticator());
  EXPECT_FALSE(loaded.safe_export_available(kChess));
  EXPECT_TRUE(rejects_unchanged(loaded, ErrorCode::kSafeExportUnavailable,
                                [&] { loaded.safe_export(kChess); }));
  // The loaded member still reads the group and follows its commits.
  const auto message = a->protect(from_hex("0a0b"));
  EXPECT_EQ(std::get<ApplicationMessage>(loaded.process(over_the_wire(message))).data,
            from_hex("0a0b"));
  GenuineCommit g = genuine_commit(*a);
  loaded.merge(std::get<StagedCommit>(loaded.process(over_the_wire(g.out.commit))));
  g.committer.merge_pending_commit();
  EXPECT_EQ(loaded.safe_export(kChess), g.committer.safe_export(kChess));
  // Written again, the state is of today's format and keeps the consumed component.
  Group again = Group::deserialize(provider, loaded.serialize().view(), accept_any_policy());
  EXPECT_TRUE(rejects(ErrorCode::kSafeExportConsumed, [&] { again.safe_export(kChess); }));
}

// A damaged version field is still refused (a control: the two accepted versions only).
TEST_P(SafeExportState, UnknownStateVersionIsRefused) {
  SecretBytes state = b->serialize();
  Bytes damaged(state.view().begin(), state.view().end());
  damaged[1] = 0x04;
  EXPECT_TRUE(rejects(ErrorCode::kGroupStateInvalid,
                      [&] { Group::deserialize(provider, damaged, accept_any_policy()); }));
}

// The store keeps the tree: a component consumed before a reload stays consumed after it, and
// the others match the other members'.
TEST_P(SafeExportState, StoredTreeKeepsConsumption) {
  auto store = storage::MemoryStorage::create();
  b->attach_storage(store);
  (void)b->safe_export(kChess);
  Group loaded = Group::load(provider, store, b->group_id(), accept_any_policy());
  EXPECT_TRUE(rejects(ErrorCode::kSafeExportConsumed, [&] { loaded.safe_export(kChess); }));
  EXPECT_EQ(loaded.safe_export(0x0001), a->safe_export(0x0001));
  // And the new epoch's tree is stored with the epoch.
  GenuineCommit g = genuine_commit(*a);
  loaded.merge(std::get<StagedCommit>(loaded.process(over_the_wire(g.out.commit))));
  g.committer.merge_pending_commit();
  Group next = Group::load(provider, store, b->group_id(), accept_any_policy());
  EXPECT_EQ(next.safe_export(kChess), g.committer.safe_export(kChess));
}

// A store written by the earlier build has no exporter record: the group loads, the safe
// exporter is unavailable in that epoch and works from the next.
TEST_P(SafeExportState, StoreOfEarlierBuildLoads) {
  auto store = storage::MemoryStorage::create();
  b->attach_storage(store);
  storage::WriteBatch batch;
  const Bytes scope = [&] {
    Bytes s{'g'};
    s.insert(s.end(), b->group_id().begin(), b->group_id().end());
    return s;
  }();
  batch.versions.push_back({scope, store->version(scope)});
  batch.erase.push_back({scope, kExporterRecordKind, {}});
  store->apply(batch);
  Group loaded = Group::load(provider, store, b->group_id(), accept_any_policy());
  EXPECT_TRUE(rejects_unchanged(loaded, ErrorCode::kSafeExportUnavailable,
                                [&] { loaded.safe_export(kChess); }));
  GenuineCommit g = genuine_commit(*a);
  loaded.merge(std::get<StagedCommit>(loaded.process(over_the_wire(g.out.commit))));
  g.committer.merge_pending_commit();
  Group next = Group::load(provider, store, b->group_id(), accept_any_policy());
  EXPECT_EQ(next.safe_export(kChess), g.committer.safe_export(kChess));
}

// A pending own commit stored and loaded carries the next epoch's exporter root: merged after
// the reload, the safe exporter agrees with the members that processed the commit.
TEST_P(SafeExportState, PendingCommitCarriesTheRoot) {
  auto store = storage::MemoryStorage::create();
  a->attach_storage(store);
  const CommitOutput out = a->commit();
  Group loaded = Group::load(provider, store, a->group_id(), accept_any_policy());
  ASSERT_TRUE(loaded.has_pending_commit());
  loaded.merge_pending_commit();
  b->merge(std::get<StagedCommit>(b->process(over_the_wire(out.commit))));
  EXPECT_EQ(loaded.safe_export(kChess), b->safe_export(kChess));
}

INSTANTIATE_TEST_SUITE_P(AllSuites, SafeExportState, ::testing::Range<uint16_t>(1, 8), suite_name);

}  // namespace
}  // namespace conclave::group_testing
