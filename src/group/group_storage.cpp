// A Group written through a StorageProvider: one transaction per change, incremental records.
//
// Layout (state_records.h): under the group's scope, one epoch record (CommonRecord and the
// shapes of the secret trees), one record per ratchet tree node with its tree hash, one per
// secret tree node secret and per leaf ratchet pair (keyed by epoch), the pending commit and
// the application's state. A commit rewrites the epoch record, the tree nodes its journal
// touched and their ancestors (whose hashes changed), and the secret tree records that moved:
// O(log n) records for a full tree. A message rewrites one leaf ratchet record.
#include <algorithm>
#include <string>

#if defined(__GLIBC__)  // set by the C library's headers, included above
#include <malloc.h>
#endif

#include "conclave/base/error.h"
#include "conclave/codec/codec.h"
#include "conclave/group/group.h"
#include "state_records.h"

namespace conclave {

namespace {

// 1: the first layout.
constexpr uint16_t kRecordVersion = 1;

struct SecretTreeShape {
  uint16_t cipher_suite = 0;
  uint32_t leaf_count = 0;
  schedule::RatchetWindow window;
  CONCLAVE_TLS_FIELDS(cipher_suite, leaf_count, window)
};

struct PastEpochShape {
  uint64_t epoch = 0;
  wire::GroupContext context;
  SecretTreeShape secret_tree;
  SecretBytes sender_data_secret;
  std::vector<detail::SignatureKeyRecord> signature_keys;
  CONCLAVE_TLS_FIELDS(epoch, context, secret_tree, sender_data_secret, signature_keys)
};

struct EpochRecord {
  uint16_t version = kRecordVersion;
  detail::CommonRecord common;
  std::optional<SecretTreeShape> secret_tree;  // none once removed
  std::vector<PastEpochShape> past_epochs;
  CONCLAVE_TLS_FIELDS(version, common, secret_tree, past_epochs)
};

struct TreeNodeRecord {
  std::optional<wire::Node> node;
  Bytes tree_hash;
  CONCLAVE_TLS_FIELDS(node, tree_hash)
};

SecretTreeShape shape_of(const schedule::SecretTree& tree) {
  return SecretTreeShape{tree.cipher_suite(), tree.leaf_count(), tree.window()};
}

Bytes u32_id(uint32_t v) {
  return Bytes{static_cast<uint8_t>(v >> 24), static_cast<uint8_t>(v >> 16),
               static_cast<uint8_t>(v >> 8), static_cast<uint8_t>(v)};
}

Bytes u64_id(uint64_t v) {
  Bytes out(8);
  for (int i = 0; i < 8; ++i)
    out[i] = static_cast<uint8_t>(v >> (56 - 8 * i));
  return out;
}

Bytes epoch_item_id(uint64_t epoch, uint32_t index) {
  Bytes out = u64_id(epoch);
  const Bytes tail = u32_id(index);
  out.insert(out.end(), tail.begin(), tail.end());
  return out;
}

uint64_t read_be(BytesView id) {
  uint64_t v = 0;
  for (uint8_t b : id)
    v = (v << 8) | b;
  return v;
}

[[noreturn]] void corrupt(const std::string& what) {
  throw Error(ErrorCode::kStorageCorrupt, what);
}

// A record's value decoded as T; kStorageCorrupt when it does not decode.
template <class T>
T decode_record(const SecretBytes& value, const char* what) {
  try {
    return codec::decode<T>(value.view());
  } catch (const Error& e) {
    corrupt(std::string(what) + " does not decode: " + e.what());
  }
}

}  // namespace

// --- writing -------------------------------------------------------------------------------------

void Group::note_merge(const tree::TreeJournal& journal) {
  if (!changes_.width_before) changes_.width_before = tree_.width();
  for (const auto& [leaf, node] : journal.leaves_after)
    changes_.tree_nodes.insert(tree::LeafIndex(leaf).node().value);
  for (const auto& [index, node] : journal.parents_after)
    changes_.tree_nodes.insert(index);
  changes_.epoch = true;
  changes_.pending = true;
}

void Group::write_tree_nodes(storage::WriteBatch& batch, const std::set<uint32_t>& nodes) const {
  const Bytes scope = detail::group_scope(context_.group_id);
  for (uint32_t index : nodes) {
    const tree::NodeIndex x(index);
    TreeNodeRecord record;
    if (x.is_leaf()) {
      if (const wire::LeafNode* leaf = tree_.leaf(x.leaf())) record.node = wire::Node{*leaf};
    } else if (const wire::ParentNode* parent = tree_.parent_node(x)) {
      record.node = wire::Node{*parent};
    }
    record.tree_hash = tree_.tree_hash(x);
    batch.put(scope, detail::kTreeNodeRecord, u32_id(index), SecretBytes(codec::encode(record)));
  }
}

void Group::write_secret_tree(storage::WriteBatch& batch, uint64_t epoch,
                              schedule::SecretTree& tree, bool everything) const {
  const Bytes scope = detail::group_scope(context_.group_id);
  schedule::SecretTree::Changes changes = tree.take_changes();
  if (everything) changes = tree.everything();
  for (uint32_t node : changes.nodes) {
    Bytes id = epoch_item_id(epoch, node);
    if (const SecretBytes* secret = tree.node_secret(tree::NodeIndex(node)))
      batch.put(scope, detail::kSecretNodeRecord, std::move(id), *secret);
    else
      batch.erase.push_back({scope, detail::kSecretNodeRecord, std::move(id)});
  }
  for (uint32_t leaf : changes.leaves) {
    Bytes id = epoch_item_id(epoch, leaf);
    SecretBytes ratchets = tree.encode_leaf(tree::LeafIndex(leaf));
    if (!ratchets.empty())
      batch.put(scope, detail::kSecretLeafRecord, std::move(id), std::move(ratchets));
    else
      batch.erase.push_back({scope, detail::kSecretLeafRecord, std::move(id)});
  }
}

void Group::write_changes(storage::WriteBatch& batch, bool everything) {
  const Bytes scope = detail::group_scope(context_.group_id);
  if (everything || changes_.epoch) {
    EpochRecord record;
    record.common = common_record();
    if (active_) record.secret_tree = shape_of(secret_tree_);
    for (const auto& [epoch, past] : past_epochs_) {
      PastEpochShape shape{
          epoch, past.context, shape_of(past.secret_tree), past.sender_data_secret, {}};
      for (const auto& [leaf, key] : past.signature_keys)
        shape.signature_keys.push_back(detail::SignatureKeyRecord{leaf, key});
      record.past_epochs.push_back(std::move(shape));
    }
    batch.put(scope, detail::kEpochRecord, {}, codec::encode_secret(record));
  }
  // extensions draft §Exported Secrets: a new epoch's tree, or one a safe export consumed from.
  if (everything || changes_.epoch || changes_.exporter)
    batch.put(scope, detail::kExporterRecord, {}, codec::encode_secret(exporter_tree_));

  // Tree nodes: those the merged commits changed and every ancestor (its hash changed).
  const uint32_t width = tree_.width();
  std::set<uint32_t> nodes;
  if (everything) {
    for (uint32_t x = 0; x < width; ++x)
      nodes.insert(nodes.end(), x);
  } else if (changes_.width_before) {
    const uint32_t before = *changes_.width_before;
    for (uint32_t changed : changes_.tree_nodes) {
      if (changed >= width) continue;
      for (tree::NodeIndex x(changed);; x = tree::parent(x, tree_.leaf_count())) {
        if (!nodes.insert(x.value).second || x == tree_.root()) break;
      }
    }
    // §7.7: a tree that grew has new (blank) nodes; one that shrank has nodes to delete.
    for (uint32_t x = before; x < width; ++x)
      nodes.insert(x);
    for (uint32_t x = width; x < before; ++x)
      batch.erase.push_back({scope, detail::kTreeNodeRecord, u32_id(x)});
  }
  write_tree_nodes(batch, nodes);

  // Secret trees, each under its epoch; those no longer kept are erased whole.
  for (uint64_t epoch : changes_.dropped_epochs) {
    batch.erase_prefixes.push_back({scope, detail::kSecretNodeRecord, u64_id(epoch)});
    batch.erase_prefixes.push_back({scope, detail::kSecretLeafRecord, u64_id(epoch)});
  }
  if (active_ && secret_tree_.leaf_count() != 0)
    write_secret_tree(batch, context_.epoch, secret_tree_, everything);
  for (auto& [epoch, past] : past_epochs_)
    write_secret_tree(batch, epoch, past.secret_tree, everything);

  if (everything || changes_.pending) {
    if (pending_)
      batch.put(scope, detail::kPendingRecord, {}, encode_pending());
    else if (!everything)
      batch.erase.push_back({scope, detail::kPendingRecord, {}});
  }
  if (everything || changes_.application_state)
    batch.put(scope, detail::kAppStateRecord, {}, SecretBytes(application_state_));
}

void Group::persist() {
  if (!store_) return;
  if (store_stale_)
    throw Error(ErrorCode::kStorageConflict,
                "a write of this Group object failed earlier: load the group again");
  storage::WriteBatch batch;
  write_changes(batch, false);
  if (batch.empty()) return;
  batch.versions.push_back({detail::group_scope(context_.group_id), store_version_});
  try {
    store_->apply(batch);
  } catch (...) {
    store_stale_ = true;
    throw;
  }
  ++store_version_;
  changes_ = {};
}

void Group::attach_with(std::shared_ptr<storage::StorageProvider> store,
                        storage::WriteBatch batch) {
  if (!store) throw Error(ErrorCode::kInvalidArgument, "no storage provider");
  if (store_) throw Error(ErrorCode::kInvalidArgument, "the group is attached to a store already");
  write_changes(batch, true);
  batch.versions.push_back({detail::group_scope(context_.group_id), 0});
  store->apply(batch);
  store_ = std::move(store);
  store_version_ = 1;
  store_stale_ = false;
  changes_ = {};
}

void Group::attach_storage(std::shared_ptr<storage::StorageProvider> store) {
  attach_with(std::move(store), {});
}

void Group::set_application_state(Bytes state) {
  application_state_ = std::move(state);
  if (store_) changes_.application_state = true;
}

void Group::save_application_state() {
  if (store_) changes_.application_state = true;
  persist();
}

std::vector<Bytes> Group::stored_groups(const storage::StorageProvider& store) {
  std::vector<Bytes> out;
  for (Bytes& scope : store.scopes(detail::group_scope({})))
    out.emplace_back(scope.begin() + 1, scope.end());
  return out;
}

void Group::erase_stored(storage::StorageProvider& store, BytesView group_id) {
  storage::WriteBatch batch;
  batch.delete_scopes.push_back(detail::group_scope(group_id));
  store.apply(batch);
}

// --- loading -------------------------------------------------------------------------------------

namespace {

// A group's records sorted by kind, decoded where they are plain.
struct LoadedRecords {
  std::optional<EpochRecord> epoch;
  wire::RatchetTreeNodes nodes;
  Bytes tree_hashes;
  // epoch -> node or leaf index -> value
  std::map<uint64_t, std::map<uint32_t, SecretBytes>> secret_nodes;
  std::map<uint64_t, std::vector<std::pair<uint32_t, SecretBytes>>> secret_leaves;
  std::optional<SecretBytes> pending;
  Bytes application_state;
  std::optional<schedule::ExporterTree> exporter_tree;
};

LoadedRecords sort_records(std::vector<storage::StoredRecord>& records) {
  LoadedRecords out;
  out.nodes.reserve(records.size());  // most records are tree nodes
  for (auto& r : records) {
    switch (r.kind) {
      case detail::kEpochRecord:
        out.epoch = decode_record<EpochRecord>(r.value, "the epoch record");
        break;
      case detail::kTreeNodeRecord: {
        // Records come ordered by id: node i is the i-th.
        if (r.id.size() != 4 || read_be(r.id) != out.nodes.size())
          corrupt("tree node records are not contiguous from node 0");
        auto node = decode_record<TreeNodeRecord>(r.value, "a tree node record");
        out.nodes.push_back(std::move(node.node));
        out.tree_hashes.insert(out.tree_hashes.end(), node.tree_hash.begin(), node.tree_hash.end());
        // Freed as soon as decoded: the space is reused by the nodes decoded next instead of
        // staying behind them as holes in the heap.
        r.value = SecretBytes();
        r.id = Bytes();
        break;
      }
      case detail::kSecretNodeRecord:
      case detail::kSecretLeafRecord: {
        if (r.id.size() != 12) corrupt("a secret tree record with a malformed id");
        const uint64_t epoch = read_be(BytesView(r.id).first(8));
        const auto index = static_cast<uint32_t>(read_be(BytesView(r.id).subspan(8)));
        if (r.kind == detail::kSecretNodeRecord)
          out.secret_nodes[epoch].emplace(index, std::move(r.value));
        else
          out.secret_leaves[epoch].emplace_back(index, std::move(r.value));
        break;
      }
      case detail::kPendingRecord: out.pending = std::move(r.value); break;
      case detail::kAppStateRecord: out.application_state = r.value.copy_out(); break;
      case detail::kExporterRecord:
        out.exporter_tree =
            decode_record<std::optional<schedule::ExporterTree>>(r.value, "the exporter record");
        break;
      default: corrupt("a record of unknown kind " + std::to_string(r.kind));
    }
  }
  if (!out.epoch) corrupt("the group has no epoch record");
  if (out.epoch->version != kRecordVersion)
    corrupt("epoch record version " + std::to_string(out.epoch->version));
  return out;
}

// Loading a big tree frees about as much as it keeps (the records, their decoded copies), and
// glibc keeps freed pages that lie below live data resident until asked to return them; a member
// of a 100,000-member group would carry tens of MB of them for its whole life.
void return_freed_memory(size_t tree_nodes) {
#if defined(__GLIBC__)
  constexpr size_t kTrimFromNodes = 1u << 12;  // below this the trim is not worth its walk
  if (tree_nodes >= kTrimFromNodes) ::malloc_trim(0);
#else
  (void)tree_nodes;
#endif
}

schedule::SecretTree restore_secret_tree(const SecretTreeShape& shape, uint64_t epoch,
                                         LoadedRecords& records) {
  std::vector<std::pair<uint32_t, BytesView>> leaves;
  for (const auto& [leaf, value] : records.secret_leaves[epoch])
    leaves.emplace_back(leaf, value.view());
  return schedule::SecretTree::restore(shape.cipher_suite, shape.leaf_count, shape.window,
                                       std::move(records.secret_nodes[epoch]), leaves);
}

}  // namespace

Group Group::load(std::shared_ptr<const crypto::CryptoProvider> provider,
                  std::shared_ptr<storage::StorageProvider> store, BytesView group_id,
                  GroupPolicy policy) {
  if (!store) throw Error(ErrorCode::kInvalidArgument, "no storage provider");
  storage::ScopeSnapshot snapshot = store->read_scope(detail::group_scope(group_id));
  if (snapshot.version == 0)
    throw Error(ErrorCode::kStorageNotFound, "the store holds no group " + to_hex(group_id));
  LoadedRecords records = sort_records(snapshot.records);
  try {
    Group g = from_common_record(std::move(provider), std::move(policy),
                                 std::move(records.epoch->common));
    if (g.context_.group_id.size() != group_id.size() ||
        !std::equal(group_id.begin(), group_id.end(), g.context_.group_id.begin()))
      corrupt("the epoch record belongs to another group");
    if (!records.nodes.empty())
      g.tree_ = tree::RatchetTree::restore(g.suite_, std::move(records.nodes), records.tree_hashes);
    if (records.epoch->secret_tree)
      g.secret_tree_ = restore_secret_tree(*records.epoch->secret_tree, g.context_.epoch, records);
    for (auto& shape : records.epoch->past_epochs) {
      PastEpoch past{std::move(shape.context),
                     restore_secret_tree(shape.secret_tree, shape.epoch, records),
                     std::move(shape.sender_data_secret),
                     {}};
      for (auto& k : shape.signature_keys)
        past.signature_keys.emplace(k.leaf, std::move(k.key));
      g.past_epochs_.emplace_back(shape.epoch, std::move(past));
    }
    if (records.pending) g.pending_ = g.decode_pending(*records.pending);
    g.application_state_ = std::move(records.application_state);
    g.exporter_tree_ = std::move(records.exporter_tree);
    if (g.active_) g.check_loaded_state();
    g.store_ = std::move(store);
    g.store_version_ = snapshot.version;
    g.tree_.release_decoded_leaves();
    records = LoadedRecords();
    snapshot.records = std::vector<storage::StoredRecord>();
    return_freed_memory(g.tree_.width());
    return g;
  } catch (const Error& e) {
    if (e.code() == ErrorCode::kStorageCorrupt) throw;
    corrupt(std::string("the stored group is inconsistent: ") + e.what());
  }
}

}  // namespace conclave
