// What the proposal and commit files of src/group share: a journal around tree changes, and the
// §10.1 checks of many added KeyPackages at once. Internal to the library.
#pragma once

#include <exception>
#include <string>
#include <vector>

#include "conclave/crypto/suite.h"
#include "conclave/tree/leaf_validation.h"
#include "conclave/tree/ratchet_tree.h"
#include "conclave/wire/proposal.h"

namespace conclave::detail {

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
    tree::LeafPolicy policy);

// The rest of §10.1 for an Add validated by validate_added_key_packages: its failure, else the
// credential validator.
void check_added(const wire::Add& add, const std::exception_ptr& failure,
                 const tree::LeafPolicy& policy);

}  // namespace conclave::detail
