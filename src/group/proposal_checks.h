// What the proposal and commit files of src/group share: a journal around tree changes, and the
// §10.1 checks of many added KeyPackages at once. Internal to the library.
#pragma once

#include <exception>
#include <optional>
#include <set>
#include <string>
#include <unordered_set>
#include <vector>

#include "conclave/crypto/suite.h"
#include "conclave/tree/leaf_validation.h"
#include "conclave/tree/ratchet_tree.h"
#include "conclave/wire/proposal.h"

namespace conclave::detail {

// Bytes as a key of the standard library's hash containers.
inline std::string bytes_key(BytesView b) {
  return std::string(reinterpret_cast<const char*>(b.data()), b.size());
}

inline std::string leaf_text(tree::LeafIndex l) {
  return "leaf " + std::to_string(l.value);
}

// Runs `body` on the tree inside a journal; on any exception the tree is put back.
template <class Body>
tree::TreeJournal journaled(tree::RatchetTree& tree, Body&& body) {
  tree.begin_journal();
  try {
    body();
  } catch (...) {
    tree.undo(tree.end_journal());
    throw;
  }
  return tree.end_journal();
}

// §10.1 for the KeyPackage of every Add among `proposals`, except the application's credential
// validator: a mass add brings thousands of packages with two signatures each, so they are
// shared among the cores. Entry i holds what proposals[i] failed (null: valid or not an Add);
// check_added() then reports it in list order, on this thread.
std::vector<std::exception_ptr> validate_added_key_packages(
    const crypto::Suite& suite, const std::vector<const wire::Proposal*>& proposals,
    tree::LeafPolicy policy, unsigned max_threads);

// The rest of §10.1 for an Add validated by validate_added_key_packages: its failure, else the
// credential validator.
void check_added(const wire::Add& add, const std::exception_ptr& failure,
                 const tree::LeafPolicy& policy);

// §12.2 for the proposal list of a member's commit, one proposal at a time: each add() checks
// the new proposal against the tree and the proposals already added in O(1) on average, so
// commit() can try every pending proposal without revalidating the list each time. The rules a
// Remove later in the list can satisfy (no Add of a member, every member supports a custom
// type) wait for finish(), unless add() is asked to keep the list valid as it stands.
class ProposalListCheck {
 public:
  ProposalListCheck(const tree::RatchetTree& tree, std::optional<tree::LeafIndex> committer);
  // Throws the Error of the first rule `proposal` breaks; then nothing is recorded.
  // keep_valid_now: also the Remove-dependent rules, against the Removes added so far.
  void add(const wire::Sender& sender, const wire::Proposal& proposal, bool keep_valid_now);
  // The Remove-dependent rules for the whole list.
  void finish() const;

 private:
  void check_supported(wire::ProposalType type) const;
  void check_not_member(const std::string& signature_key) const;

  const tree::RatchetTree& tree_;
  std::optional<tree::LeafIndex> committer_;
  size_t count_ = 0;
  bool reinit_ = false;
  bool group_context_extensions_ = false;
  std::unordered_set<uint32_t> touched_leaves_;
  std::unordered_set<uint32_t> removed_;
  std::unordered_set<uint32_t> self_removed_;  ///< senders of SelfRemoves (extensions draft)
  std::unordered_set<std::string> added_keys_;
  std::unordered_set<std::string> psk_ids_;
  std::set<wire::ProposalType> custom_types_;
};

}  // namespace conclave::detail
