#include "conclave/wire/leaf_node.h"

#include "conclave/base/error.h"

namespace conclave::wire {

void LeafNode::encode_content(codec::Writer& w) const {
  codec::write(w, encryption_key);
  codec::write(w, signature_key);
  codec::write(w, credential);
  codec::write(w, capabilities);
  codec::write(w, leaf_node_source);
  switch (leaf_node_source) {
    case LeafNodeSource::kKeyPackage: codec::write(w, lifetime); break;
    case LeafNodeSource::kUpdate: break;
    case LeafNodeSource::kCommit: codec::write(w, parent_hash); break;
  }
  codec::write(w, extensions);
}

Bytes LeafNode::to_be_signed(const std::optional<LeafNodeGroupBinding>& binding) const {
  codec::Writer w;
  encode_content(w);
  if (leaf_node_source != LeafNodeSource::kKeyPackage) {
    if (!binding)
      throw Error(ErrorCode::kInvalidArgument,
                  "LeafNodeTBS of an update or commit leaf needs the group id and leaf index");
    codec::write(w, binding->group_id);
    codec::write(w, binding->leaf_index);
  }
  return w.take();
}

void LeafNode::tls_encode(codec::Writer& w) const {
  encode_content(w);
  codec::write(w, signature);
}

void LeafNode::tls_decode(codec::Reader& r) {
  codec::read(r, encryption_key);
  codec::read(r, signature_key);
  codec::read(r, credential);
  codec::read(r, capabilities);
  codec::read(r, leaf_node_source);  // checked enum
  lifetime = {};
  parent_hash.clear();
  if (leaf_node_source == LeafNodeSource::kKeyPackage) codec::read(r, lifetime);
  if (leaf_node_source == LeafNodeSource::kCommit) codec::read(r, parent_hash);
  codec::read(r, extensions);
  codec::read(r, signature);
}

void Node::tls_encode(codec::Writer& w) const {
  codec::write(w, node_type());
  std::visit([&](const auto& v) { codec::write(w, v); }, value);
}

void Node::tls_decode(codec::Reader& r) {
  NodeType type{};
  codec::read(r, type);  // checked enum
  if (type == NodeType::kLeaf) {
    LeafNode leaf;
    codec::read(r, leaf);
    value = std::move(leaf);
  } else {
    ParentNode parent;
    codec::read(r, parent);
    value = std::move(parent);
  }
}

}  // namespace conclave::wire
