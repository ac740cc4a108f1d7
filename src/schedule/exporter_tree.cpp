#include "conclave/schedule/exporter_tree.h"

#include <string>
#include <utility>

#include "conclave/base/error.h"
#include "conclave/crypto/cipher_suite.h"
#include "conclave/tree/tree_math.h"

namespace conclave::schedule {

namespace {

using tree::LeafCount;
using tree::NodeIndex;

constexpr LeafCount kLeaves(ExporterTree::kLeafCount);
const uint32_t kRoot = (ExporterTree::kLeafCount)-1;  // root of a full tree of 2^16 leaves
const uint32_t kWidth = 2 * ExporterTree::kLeafCount - 1;

[[noreturn]] void bad_state(const std::string& detail) {
  throw Error(ErrorCode::kInvalidScheduleState, "exporter tree: " + detail);
}

void check_suite(const crypto::Suite& suite, uint16_t made_with) {
  if (suite.id() != made_with)
    throw Error(ErrorCode::kInvalidArgument, "exporter tree of suite " + std::to_string(made_with) +
                                                 " used with suite " + std::to_string(suite.id()));
}

// Node x spans the nodes within 2^level(x) - 1 of it.
bool covers(uint32_t x, uint32_t y) {
  const uint64_t half = (uint64_t{1} << tree::level(NodeIndex(x))) - 1;
  const uint64_t distance = x > y ? x - y : y - x;
  return distance <= half;
}

}  // namespace

ExporterTree::ExporterTree(const crypto::Suite& suite, SecretBytes application_export_secret)
    : suite_id_(suite.id()) {
  if (application_export_secret.size() != suite.hash_len())
    throw Error(ErrorCode::kInvalidSecretLength,
                "application_export_secret is " + std::to_string(application_export_secret.size()) +
                    " bytes");
  nodes_.emplace(kRoot, std::move(application_export_secret));
}

bool ExporterTree::available(wire::ComponentId component_id) const {
  const uint32_t leaf = 2 * uint32_t{component_id};
  for (NodeIndex x(leaf);; x = tree::parent(x, kLeaves)) {
    if (nodes_.count(x.value) != 0) return true;
    if (x.value == kRoot) return false;
  }
}

SecretBytes ExporterTree::take(const crypto::Suite& suite, wire::ComponentId component_id) {
  check_suite(suite, suite_id_);
  const uint32_t leaf = 2 * uint32_t{component_id};
  // The one stored node at or above the leaf (stored nodes head disjoint subtrees).
  NodeIndex x(leaf);
  while (nodes_.count(x.value) == 0) {
    if (x.value == kRoot)
      throw Error(ErrorCode::kSafeExportConsumed, "the safe exported secret of component " +
                                                      std::to_string(component_id) +
                                                      " was already taken in this epoch");
    x = tree::parent(x, kLeaves);
  }
  // RFC 9420 §9 derivation; §9.2: a parent is deleted once both children exist.
  const size_t nh = suite.hash_len();
  const Bytes left_label{'l', 'e', 'f', 't'};
  const Bytes right_label{'r', 'i', 'g', 'h', 't'};
  while (x.value != leaf) {
    auto parent = nodes_.find(x.value);
    SecretBytes left = suite.expand_with_label(parent->second.view(), "tree", left_label, nh);
    SecretBytes right = suite.expand_with_label(parent->second.view(), "tree", right_label, nh);
    nodes_.erase(parent);
    const NodeIndex l = tree::left(x);
    const NodeIndex r = tree::right(x);
    nodes_.emplace(l.value, std::move(left));
    nodes_.emplace(r.value, std::move(right));
    x = leaf < x.value ? l : r;
  }
  // §Exported Secrets: the secret is consumed as it is handed out.
  auto it = nodes_.find(leaf);
  SecretBytes out = std::move(it->second);
  nodes_.erase(it);
  return out;
}

void ExporterTree::tls_encode(codec::Writer& w) const {
  w.u16(suite_id_);
  w.vector([&](codec::Writer& inner) {
    for (const auto& [node, secret] : nodes_) {
      inner.u32(node);
      codec::write(inner, secret);
    }
  });
}

void ExporterTree::tls_decode(codec::Reader& r) {
  ExporterTree out;
  out.suite_id_ = r.u16();
  codec::Reader nodes = r.vector();
  while (!nodes.empty()) {
    const uint32_t node = nodes.u32();
    SecretBytes secret;
    codec::read(nodes, secret);
    if (!out.nodes_.empty() && node <= out.nodes_.rbegin()->first)
      bad_state("node secrets out of order");
    out.nodes_.emplace_hint(out.nodes_.end(), node, std::move(secret));
  }
  out.validate();
  *this = std::move(out);
}

void ExporterTree::validate() const {
  const crypto::CipherSuite* info = crypto::find_cipher_suite(suite_id_);
  if (info == nullptr) bad_state("unknown cipher suite " + std::to_string(suite_id_));
  uint32_t previous = 0;
  bool first = true;
  for (const auto& [node, secret] : nodes_) {
    if (node >= kWidth) bad_state("node " + std::to_string(node) + " outside the tree");
    if (secret.size() != info->hash_len()) bad_state("a node secret of the wrong length");
    // Ascending order puts a node's subtree right around it: only neighbours can overlap.
    if (!first && (covers(previous, node) || covers(node, previous)))
      bad_state("node " + std::to_string(node) + " and node " + std::to_string(previous) +
                " overlap");
    previous = node;
    first = false;
  }
}

}  // namespace conclave::schedule
