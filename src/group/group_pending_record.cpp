// The pending own commit (§12.4) as a storage record: a committer that restarts between
// sending its commit and seeing it accepted must still be able to merge it (or discard it).
#include <algorithm>
#include <bit>
#include <string>

#include "conclave/base/error.h"
#include "conclave/codec/codec.h"
#include "conclave/group/group.h"
#include "state_records.h"

namespace conclave {

namespace {

struct AddedRecord {
  uint32_t leaf = 0;
  wire::KeyPackage key_package;
  CONCLAVE_TLS_FIELDS(leaf, key_package)
};

struct RemovedRecord {
  uint32_t leaf = 0;
  wire::LeafNode leaf_node;
  CONCLAVE_TLS_FIELDS(leaf, leaf_node)
};

struct CustomRecord {
  wire::Sender sender;
  // A CustomProposal, or a SelfRemove (its sender is the leaf removed): the extensions draft's
  // record needs no field of its own, so records written before it still decode.
  wire::Proposal proposal;
  CONCLAVE_TLS_FIELDS(sender, proposal)
};

template <class Node>
struct JournalEntry {
  uint32_t index = 0;
  std::optional<Node> node;
  CONCLAVE_TLS_FIELDS(index, node)
};

// A journal's leaf, kept as the tree's encoding; on the wire the same bytes as
// JournalEntry<wire::LeafNode> (index, optional<LeafNode>), and decoding checks the leaf.
struct JournalLeafEntry {
  uint32_t index = 0;
  std::optional<Bytes> leaf;
  void tls_encode(codec::Writer& w) const {
    w.u32(index);
    w.u8(leaf ? 1 : 0);
    if (leaf) w.raw(*leaf);
  }
  void tls_decode(codec::Reader& r) {
    JournalEntry<wire::LeafNode> entry;
    codec::read(r, entry);
    index = entry.index;
    leaf = entry.node ? std::optional<Bytes>(codec::encode(*entry.node)) : std::nullopt;
  }
};

struct JournalRecord {
  uint32_t count_before = 0;
  uint32_t count_after = 0;
  std::vector<JournalLeafEntry> leaves_before;
  std::vector<JournalLeafEntry> leaves_after;
  std::vector<JournalEntry<wire::ParentNode>> parents_before;
  std::vector<JournalEntry<wire::ParentNode>> parents_after;
  CONCLAVE_TLS_FIELDS(count_before, count_after, leaves_before, leaves_after, parents_before,
                      parents_after)
};

struct PendingRecord {
  Bytes message;
  uint32_t committer = 0;
  std::vector<AddedRecord> added;
  std::vector<RemovedRecord> removed;
  std::vector<uint32_t> updated;
  std::vector<wire::PreSharedKeyId> psks;
  std::optional<wire::ReInit> reinit;
  std::vector<CustomRecord> custom;
  uint8_t has_path = 0;
  uint8_t external = 0;
  uint8_t removes_me = 0;
  SecretBytes epoch_authenticator;
  uint64_t from_epoch = 0;
  JournalRecord journal;
  uint32_t private_leaf = 0;
  std::vector<detail::NodeKeyRecord> private_keys;
  wire::GroupContext context;
  schedule::EpochSecrets secrets;
  Bytes interim_transcript_hash;
  Bytes confirmation_tag;
  uint32_t own_leaf = 0;
  CONCLAVE_TLS_FIELDS(message, committer, added, removed, updated, psks, reinit, custom, has_path,
                      external, removes_me, epoch_authenticator, from_epoch, journal, private_leaf,
                      private_keys, context, secrets, interim_transcript_hash, confirmation_tag,
                      own_leaf)
};

struct PendingRecordWithExporter {
  PendingRecord record;
  SecretBytes application_export_secret;
  CONCLAVE_TLS_FIELDS(record, application_export_secret)
};

template <class Node>
std::vector<JournalEntry<Node>> entries_of(const std::map<uint32_t, std::optional<Node>>& map) {
  std::vector<JournalEntry<Node>> out;
  out.reserve(map.size());
  for (const auto& [index, node] : map)
    out.push_back(JournalEntry<Node>{index, node});
  return out;
}

template <class Node>
std::map<uint32_t, std::optional<Node>> map_of(std::vector<JournalEntry<Node>>& entries) {
  std::map<uint32_t, std::optional<Node>> out;
  for (auto& e : entries)
    out.emplace(e.index, std::move(e.node));
  return out;
}

std::vector<JournalLeafEntry> leaf_entries_of(const std::map<uint32_t, std::optional<Bytes>>& map) {
  std::vector<JournalLeafEntry> out;
  out.reserve(map.size());
  for (const auto& [index, leaf] : map)
    out.push_back(JournalLeafEntry{index, leaf});
  return out;
}

std::map<uint32_t, std::optional<Bytes>> leaf_map_of(std::vector<JournalLeafEntry>& entries) {
  std::map<uint32_t, std::optional<Bytes>> out;
  for (auto& e : entries)
    out.emplace(e.index, std::move(e.leaf));
  return out;
}

// The journal of a stored pending commit is applied to the tree when the commit merges: its
// sizes and indices must describe a change of this tree (§7.7: a tree of 2^k leaves that grows
// only to hold the leaves the commit adds), or a damaged record could make the tree huge.
void check_pending_journal(const tree::TreeJournal& j, tree::LeafCount current) {
  const auto corrupt = [](const std::string& what) {
    throw Error(ErrorCode::kStorageCorrupt, "the pending commit's tree journal: " + what);
  };
  if (j.count_before != current) corrupt("it starts from another tree size");
  const uint32_t after = j.count_after.value;
  if (after == 0 || !std::has_single_bit(after) || after > tree::kMaxLeaves)
    corrupt("the tree size after it is not a power of two");
  uint64_t highest_leaf = 0;  // one past the highest leaf it writes
  for (const auto& [l, node] : j.leaves_after)
    if (node) highest_leaf = std::max<uint64_t>(highest_leaf, uint64_t{l} + 1);
  if (after > current.value && after > 2 * highest_leaf)
    corrupt("the tree grows beyond what its new leaves need");
  const uint32_t leaves = std::max(current.value, after);
  const uint64_t width = tree::node_width(tree::LeafCount(leaves));
  for (const auto* leaves_map : {&j.leaves_before, &j.leaves_after})
    for (const auto& [l, node] : *leaves_map)
      if (l >= leaves) corrupt("a leaf outside the tree");
  for (const auto* parents_map : {&j.parents_before, &j.parents_after})
    for (const auto& [x, node] : *parents_map)
      if (x >= width || x % 2 == 0) corrupt("a parent node outside the tree");
}

}  // namespace

SecretBytes Group::encode_pending() const {
  const StagedCommit& s = pending_->staged;
  PendingRecord r;
  r.message = pending_->message;
  r.committer = s.committer_.value;
  for (const auto& a : s.added_)
    r.added.push_back(AddedRecord{a.leaf.value, a.key_package});
  for (const auto& m : s.removed_)
    r.removed.push_back(RemovedRecord{m.leaf.value, m.leaf_node});
  for (tree::LeafIndex l : s.updated_)
    r.updated.push_back(l.value);
  r.psks = s.psks_;
  r.reinit = s.reinit_;
  for (const auto& c : s.custom_)
    r.custom.push_back(CustomRecord{c.sender, wire::Proposal{c.proposal}});
  for (tree::LeafIndex l : s.self_removed_)
    r.custom.push_back(
        CustomRecord{wire::Sender::member(l.value), wire::Proposal{wire::SelfRemove{}}});
  for (const auto& e : s.app_ephemerals_)
    r.custom.push_back(CustomRecord{e.sender, wire::Proposal{e.content}});
  r.has_path = s.has_path_ ? 1 : 0;
  r.external = s.external_ ? 1 : 0;
  r.removes_me = s.removes_me_ ? 1 : 0;
  r.epoch_authenticator = s.epoch_authenticator_;
  r.from_epoch = s.from_epoch_;
  r.journal = JournalRecord{s.journal_.count_before.value,
                            s.journal_.count_after.value,
                            leaf_entries_of(s.journal_.leaves_before),
                            leaf_entries_of(s.journal_.leaves_after),
                            entries_of(s.journal_.parents_before),
                            entries_of(s.journal_.parents_after)};
  r.private_leaf = s.tree_private_.leaf().value;
  r.private_keys = detail::node_key_records(s.tree_private_);
  r.context = s.context_;
  r.secrets = s.secrets_;
  r.interim_transcript_hash = s.interim_transcript_hash_;
  r.confirmation_tag = s.confirmation_tag_;
  r.own_leaf = s.own_leaf_.value;
  // extensions draft §Exported Secrets: the new epoch's exporter root follows the record it
  // postdates, so that records of earlier builds (which end before it) still decode.
  PendingRecordWithExporter full{std::move(r), s.secrets_.application_export_secret};
  return codec::encode_secret(full);
}

Group::PendingCommit Group::decode_pending(const SecretBytes& record) const {
  PendingRecord r;
  SecretBytes application_export_secret;  // empty in a record of an earlier build
  try {
    codec::Reader reader(record.view());
    codec::read(reader, r);
    if (!reader.empty()) codec::read(reader, application_export_secret);
    reader.expect_end("the pending commit");
  } catch (const Error& e) {
    throw Error(ErrorCode::kStorageCorrupt, std::string("the pending commit: ") + e.what());
  }
  PendingCommit out;
  out.message = std::move(r.message);
  StagedCommit& s = out.staged;
  s.committer_ = tree::LeafIndex(r.committer);
  for (auto& a : r.added)
    s.added_.push_back(AddedMember{tree::LeafIndex(a.leaf), std::move(a.key_package)});
  for (auto& m : r.removed)
    s.removed_.push_back(RemovedMember{tree::LeafIndex(m.leaf), std::move(m.leaf_node)});
  for (uint32_t l : r.updated)
    s.updated_.push_back(tree::LeafIndex(l));
  s.psks_ = std::move(r.psks);
  s.reinit_ = std::move(r.reinit);
  for (auto& c : r.custom) {
    if (std::holds_alternative<wire::SelfRemove>(c.proposal.content)) {
      s.self_removed_.push_back(tree::LeafIndex(c.sender.index));
      continue;
    }
    if (auto* ephemeral = std::get_if<wire::AppEphemeral>(&c.proposal.content)) {
      s.app_ephemerals_.push_back(CommittedAppEphemeral{c.sender, std::move(*ephemeral)});
      continue;
    }
    auto* custom = std::get_if<wire::CustomProposal>(&c.proposal.content);
    if (custom == nullptr)
      throw Error(ErrorCode::kStorageCorrupt, "the pending commit lists a non-custom proposal");
    s.custom_.push_back(CommittedCustomProposal{c.sender, std::move(*custom)});
  }
  s.has_path_ = r.has_path != 0;
  s.external_ = r.external != 0;
  s.removes_me_ = r.removes_me != 0;
  s.epoch_authenticator_ = std::move(r.epoch_authenticator);
  s.from_epoch_ = r.from_epoch;
  s.journal_.count_before = tree::LeafCount(r.journal.count_before);
  s.journal_.count_after = tree::LeafCount(r.journal.count_after);
  s.journal_.leaves_before = leaf_map_of(r.journal.leaves_before);
  s.journal_.leaves_after = leaf_map_of(r.journal.leaves_after);
  s.journal_.parents_before = map_of(r.journal.parents_before);
  s.journal_.parents_after = map_of(r.journal.parents_after);
  check_pending_journal(s.journal_, tree_.leaf_count());
  s.tree_private_ =
      detail::tree_private_of(tree::LeafIndex(r.private_leaf), std::move(r.private_keys));
  s.context_ = std::move(r.context);
  s.secrets_ = std::move(r.secrets);
  s.secrets_.application_export_secret = std::move(application_export_secret);
  s.interim_transcript_hash_ = std::move(r.interim_transcript_hash);
  s.confirmation_tag_ = std::move(r.confirmation_tag);
  // Stored with the epoch it starts from, by this member: anything else is damage.
  if (r.from_epoch != context_.epoch || r.own_leaf != own_leaf_.value)
    throw Error(ErrorCode::kStorageCorrupt, "the pending commit is of another epoch or member");
  stamp(s);
  return out;
}

}  // namespace conclave
