// The shadow sender and the structure mutators of fuzz/resealer.h.
#include "resealer.h"

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <utility>

#include "conclave/schedule/detail/private_message.h"
#include "conclave/schedule/detail/public_message.h"
#include "conclave/schedule/detail/transcript_hash.h"
#include "conclave/schedule/detail/welcome.h"
#include "conclave/schedule/psk.h"
#include "conclave/tree/multi_credential.h"
#include "conclave/tree/treekem.h"
#include "conclave/wire/extension.h"

namespace conclave_fuzz {

namespace {

using wire::ExtensionType;

template <class T>
T& element(Choices& in, std::vector<T>& v) {
  return v[in.pick(v.size())];
}

// A value the fuzzer chooses among awkward ones: 0, small, the maximum, or anything.
uint64_t awkward(Choices& in, uint64_t honest) {
  switch (in.pick(6)) {
    case 0: return honest + 1;
    case 1: return honest - 1;
    case 2: return 0;
    case 3: return UINT64_MAX;
    case 4: return UINT32_MAX;
    default: return in.u64();
  }
}

wire::ExtensionType extension_type(Choices& in) {
  static const uint16_t types[] = {1, 2, 3, 4, 5, 0x000A, 0x0A0A, 0x3A3A, 0xF000, 0xFF00, 6};
  const size_t i = in.pick(std::size(types) + 1);
  return static_cast<ExtensionType>(i < std::size(types) ? types[i] : in.u32() & 0xFFFF);
}

wire::ProposalType proposal_type(Choices& in) {
  static const uint16_t types[] = {1, 2, 3, 4, 5, 6, 7, 0, 8, 0x0A0A, 0xF000};
  const size_t i = in.pick(std::size(types) + 1);
  return static_cast<wire::ProposalType>(i < std::size(types) ? types[i] : in.u32() & 0xFFFF);
}

wire::CredentialType credential_type(Choices& in) {
  // basic, x509, 0, the extensions draft's multi and weak-multi, GREASE, private use.
  static const uint16_t types[] = {1, 2, 0, 3, 4, 0x0A0A, 0xF000};
  const size_t i = in.pick(std::size(types) + 1);
  return static_cast<wire::CredentialType>(i < std::size(types) ? types[i] : in.u32() & 0xFFFF);
}

// A key of the right shape for suite 1's KEM (X25519) or of none.
Bytes some_key(Choices& in, const Cast& cast) {
  switch (in.pick(4)) {
    case 0: return cast.bundles[in.pick(kPeople)].key_package.init_key;
    case 1: return cast.bundles[in.pick(kPeople)].key_package.leaf_node.encryption_key;
    case 2: return Bytes(32, 0);
    default: return in.bytes(40);
  }
}

}  // namespace

void Choices::flip(Bytes& b) {
  const size_t count = 1 + pick(4);
  for (size_t i = 0; i < count && !b.empty(); ++i) {
    const size_t at = pick(b.size());
    uint8_t x = byte();
    b[at] ^= x == 0 ? 1 : x;
  }
  mark();
}

Cast::Cast() {
  static const char* const names[kPeople] = {"alice", "bob",   "carol", "dave",
                                             "erin",  "frank", "ds"};
  for (const char* name : names)
    people.push_back(Identity::generate(suite, basic_credential(name)));
  for (const Identity& id : people)
    bundles.push_back(create_key_package(suite, id, unix_time_now()));
  psk = SecretBytes(Bytes(suite.hash_len(), 0x5A));
}

const Identity* Cast::by_key(BytesView signature_key) const {
  for (const Identity& id : people)
    if (std::equal(id.signature_public_key.begin(), id.signature_public_key.end(),
                   signature_key.begin(), signature_key.end()))
      return &id;
  return nullptr;
}

GroupPolicy Cast::policy() const {
  GroupPolicy policy;
  // The cast's credentials are its own: accepted, so a mutation meets the other checks.
  policy.credential_validator = insecure_accept_any_credential();
  policy.external_psk = [id = psk_id, value = psk](BytesView asked) -> std::optional<SecretBytes> {
    if (std::equal(asked.begin(), asked.end(), id.begin(), id.end())) return value;
    return std::nullopt;
  };
  return policy;
}

wire::Extension Cast::external_senders() const {
  return external_senders_extension(
      {wire::ExternalSender{people[kDs].signature_public_key, people[kDs].credential}});
}

void sign_leaf(const crypto::Suite& suite, wire::LeafNode& leaf, BytesView signature_private_key,
               BytesView group_id, uint32_t leaf_index) {
  std::optional<wire::LeafNodeGroupBinding> binding;
  if (leaf.leaf_node_source != wire::LeafNodeSource::kKeyPackage)
    binding = wire::LeafNodeGroupBinding{to_bytes(group_id), leaf_index};
  leaf.signature =
      suite.sign_with_label(signature_private_key, "LeafNodeTBS", leaf.to_be_signed(binding));
}

void sign_key_package(const crypto::Suite& suite, wire::KeyPackage& kp,
                      BytesView signature_private_key) {
  kp.signature = suite.sign_with_label(signature_private_key, "KeyPackageTBS", kp.to_be_signed());
}

// --- structure mutators --------------------------------------------------------------------

void mutate_extensions(Choices& in, const Cast& cast, wire::ExtensionList& list) {
  in.mark();
  switch (in.pick(10)) {
    case 0:
      if (!list.empty()) list.erase(list.begin() + static_cast<long>(in.pick(list.size())));
      return;
    case 1:
      if (!list.empty()) list.push_back(element(in, list));
      return;
    case 2: list.push_back(wire::Extension{extension_type(in), in.bytes(16)}); return;
    case 3: {
      // §11.1: requirements the members may or may not meet.
      wire::RequiredCapabilities required;
      for (size_t i = in.pick(3); i > 0; --i)
        required.extension_types.push_back(extension_type(in));
      for (size_t i = in.pick(3); i > 0; --i)
        required.proposal_types.push_back(proposal_type(in));
      for (size_t i = in.pick(3); i > 0; --i)
        required.credential_types.push_back(credential_type(in));
      list.push_back(
          wire::Extension{ExtensionType::kRequiredCapabilities, codec::encode(required)});
      return;
    }
    case 4: list.push_back(cast.external_senders()); return;
    case 5: list.push_back(wire::Extension{ExtensionType::kApplicationId, in.bytes(8)}); return;
    case 6:
      if (!list.empty()) in.flip(element(in, list).extension_data);
      return;
    case 7:
      if (list.size() > 1) std::swap(list.front(), list.back());
      return;
    case 8:
      if (!list.empty()) element(in, list).extension_type = extension_type(in);
      return;
    default: list.clear(); return;
  }
}

void mutate_capabilities(Choices& in, wire::Capabilities& caps) {
  in.mark();
  switch (in.pick(8)) {
    case 0: caps.credentials.clear(); return;
    case 1: caps.credentials.push_back(credential_type(in)); return;
    case 2:
      caps.versions.clear();
      if (in.flag()) caps.versions.push_back(static_cast<wire::ProtocolVersion>(in.pick(3)));
      return;
    case 3:
      if (in.flag())
        caps.cipher_suites.clear();
      else
        caps.cipher_suites.push_back(static_cast<uint16_t>(in.u32()));
      return;
    case 4: caps.extensions.push_back(extension_type(in)); return;
    case 5: caps.proposals.push_back(proposal_type(in)); return;
    case 6:
      if (!caps.credentials.empty()) caps.credentials.push_back(caps.credentials.front());
      return;
    default: caps = wire::Capabilities{}; return;
  }
}

std::vector<wire::Certificate> some_chain(Choices& in) {
  std::vector<wire::Certificate> chain;
  for (size_t i = in.pick(3); i > 0; --i)
    chain.push_back(wire::Certificate{in.bytes(64)});
  return chain;
}

// Extensions draft §Multi-Credentials: bindings of cast members' credentials to the leaf's
// signature key, signed as the draft says and then perhaps broken (signature, suite, key), so
// that the binding checks behind the leaf's signature are reached.
std::vector<wire::CredentialBinding> some_bindings(Choices& in, const Cast& cast,
                                                   BytesView signature_key) {
  std::vector<wire::CredentialBinding> bindings;
  for (size_t i = in.pick(4); i > 0; --i) {
    const Identity& bound = cast[static_cast<Person>(in.pick(kPeople))];
    wire::CredentialBinding b = tree::make_credential_binding(
        cast.suite, bound.credential, bound.signature_private_key.view(),
        bound.signature_public_key, signature_key);
    switch (in.pick(4)) {
      case 0: break;
      case 1: in.flip(b.signature); break;
      case 2: b.cipher_suite = static_cast<uint16_t>(in.u32()); break;
      default:
        b.credential_key = cast[static_cast<Person>(in.pick(kPeople))].signature_public_key;
        break;
    }
    bindings.push_back(std::move(b));
  }
  return bindings;
}

void mutate_credential(Choices& in, const Cast& cast, wire::Credential& credential,
                       BytesView signature_key) {
  in.mark();
  switch (in.pick(4)) {
    case 0: credential = wire::Credential::basic(in.bytes(12)); return;
    case 1: credential = wire::Credential::x509(some_chain(in)); return;
    case 2: {
      // A body of the type's own shape (wire::Credential::tls_decode): an opaque body under a
      // type the library reads would decode as something else, or not at all, and the
      // mutation would stop at decoding.
      const wire::CredentialType type = credential_type(in);
      if (type == wire::CredentialType::kBasic) {
        credential = wire::Credential::basic(in.bytes(12));
      } else if (type == wire::CredentialType::kX509) {
        credential = wire::Credential::x509(some_chain(in));
      } else if (type == wire::CredentialType::kMulti || type == wire::CredentialType::kWeakMulti) {
        credential = wire::Credential::multi(some_bindings(in, cast, signature_key),
                                             type == wire::CredentialType::kWeakMulti);
      } else {
        credential.credential_type = type;
        credential.content = wire::OpaqueCredential{in.bytes(12)};
      }
      return;
    }
    default: {
      static const char* const names[] = {"alice", "bob", "carol", "dave", "erin"};
      credential = basic_credential(names[in.pick(std::size(names))]);
      return;
    }
  }
}

void mutate_leaf(Choices& in, const Cast& cast, wire::LeafNode& leaf, BytesView group_id,
                 uint32_t leaf_index) {
  in.mark();
  bool resign = true;
  switch (in.pick(12)) {
    case 0: leaf.encryption_key = some_key(in, cast); break;
    case 1:
      leaf.signature_key = cast[static_cast<Person>(in.pick(kPeople))].signature_public_key;
      break;
    case 2: mutate_credential(in, cast, leaf.credential, leaf.signature_key); break;
    case 3: mutate_capabilities(in, leaf.capabilities); break;
    case 4: leaf.leaf_node_source = static_cast<wire::LeafNodeSource>(1 + in.pick(3)); break;
    case 5:
      leaf.lifetime.not_before = awkward(in, leaf.lifetime.not_before);
      leaf.lifetime.not_after = awkward(in, leaf.lifetime.not_after);
      break;
    case 6:
      if (leaf.parent_hash.empty() || in.flag())
        leaf.parent_hash = in.bytes(40);
      else
        in.flip(leaf.parent_hash);
      break;
    case 7: mutate_extensions(in, cast, leaf.extensions); break;
    case 8:
      in.flip(leaf.signature);
      resign = false;
      break;
    case 9: mutate_encoding(in, leaf); break;
    case 10:
      // Signed for another position or group (§7.2: the binding is part of LeafNodeTBS).
      if (const Identity* owner = cast.by_key(leaf.signature_key)) {
        Bytes other = to_bytes(group_id);
        if (in.flag()) other.push_back(1);
        sign_leaf(cast.suite, leaf, owner->signature_private_key.view(), other,
                  leaf_index + 1 + static_cast<uint32_t>(in.pick(3)));
      }
      resign = false;
      break;
    default: leaf.encryption_key = leaf.signature_key; break;
  }
  if (!resign) return;
  if (const Identity* owner = cast.by_key(leaf.signature_key)) {
    try {
      sign_leaf(cast.suite, leaf, owner->signature_private_key.view(), group_id, leaf_index);
    } catch (const Error&) {
      // A leaf the encoder refuses (say, an unknown source) cannot be signed; left as is.
    }
  }
}

void mutate_key_package(Choices& in, const Cast& cast, wire::KeyPackage& kp) {
  in.mark();
  switch (in.pick(8)) {
    case 0: kp.version = static_cast<wire::ProtocolVersion>(in.pick(3) == 0 ? 0 : 2); break;
    case 1: kp.cipher_suite = static_cast<uint16_t>(in.pick(9)); break;
    case 2: kp.init_key = in.flag() ? kp.leaf_node.encryption_key : some_key(in, cast); break;
    case 3: mutate_leaf(in, cast, kp.leaf_node, {}, 0); break;
    case 4: mutate_extensions(in, cast, kp.extensions); break;
    case 5: kp.extensions.push_back(wire::Extension{ExtensionType::kLastResort, {}}); break;
    case 6: in.flip(kp.signature); return;  // no fresh signature
    default: mutate_encoding(in, kp); break;
  }
  if (const Identity* owner = cast.by_key(kp.leaf_node.signature_key)) {
    try {
      sign_key_package(cast.suite, kp, owner->signature_private_key.view());
    } catch (const Error&) {
    }
  }
}

void mutate_proposal(Choices& in, const Cast& cast, wire::Proposal& proposal, BytesView group_id,
                     uint32_t sender_leaf) {
  in.mark();
  // Some changes replace the proposal by one of another type.
  switch (in.pick(10)) {
    case 0: proposal.content = wire::Remove{static_cast<uint32_t>(in.pick(9))}; return;
    case 1: proposal.content = wire::ExternalInit{in.bytes(40)}; return;
    case 2: proposal.content = wire::CustomProposal{proposal_type(in), in.bytes(8)}; return;
    case 3: proposal.content = wire::Add{cast.bundles[in.pick(kPeople)].key_package}; return;
    case 4: mutate_encoding(in, proposal); return;
    default: break;
  }
  if (auto* add = std::get_if<wire::Add>(&proposal.content)) {
    mutate_key_package(in, cast, add->key_package);
  } else if (auto* update = std::get_if<wire::Update>(&proposal.content)) {
    mutate_leaf(in, cast, update->leaf_node, group_id, sender_leaf);
  } else if (auto* remove = std::get_if<wire::Remove>(&proposal.content)) {
    remove->removed = static_cast<uint32_t>(awkward(in, remove->removed));
  } else if (auto* psk = std::get_if<wire::PreSharedKey>(&proposal.content)) {
    wire::PreSharedKeyId& id = psk->psk;
    switch (in.pick(6)) {
      case 0:
        id.psktype = id.psktype == wire::PskType::kExternal ? wire::PskType::kResumption
                                                            : wire::PskType::kExternal;
        break;
      case 1: id.usage = static_cast<wire::ResumptionPskUsage>(1 + in.pick(3)); break;
      case 2: id.psk_epoch = awkward(in, id.psk_epoch); break;
      case 3: id.psk_nonce = in.bytes(40); break;
      case 4: in.flip(id.psk_group_id); break;
      default: id.psk_id = in.bytes(10); break;
    }
  } else if (auto* reinit = std::get_if<wire::ReInit>(&proposal.content)) {
    switch (in.pick(4)) {
      case 0: reinit->group_id = in.bytes(16); break;
      case 1: reinit->version = static_cast<wire::ProtocolVersion>(in.pick(3)); break;
      case 2: reinit->cipher_suite = static_cast<uint16_t>(in.pick(9)); break;
      default: mutate_extensions(in, cast, reinit->extensions); break;
    }
  } else if (auto* init = std::get_if<wire::ExternalInit>(&proposal.content)) {
    in.flip(init->kem_output);
  } else if (auto* gce = std::get_if<wire::GroupContextExtensions>(&proposal.content)) {
    mutate_extensions(in, cast, gce->extensions);
  } else if (auto* custom = std::get_if<wire::CustomProposal>(&proposal.content)) {
    custom->proposal_type = proposal_type(in);
  }
}

void mutate_path(Choices& in, const Cast& cast, wire::UpdatePath& path, BytesView group_id,
                 uint32_t committer) {
  in.mark();
  auto& nodes = path.nodes;
  switch (in.pick(9)) {
    case 0:
      if (!nodes.empty()) nodes.erase(nodes.begin() + static_cast<long>(in.pick(nodes.size())));
      return;
    case 1:
      if (!nodes.empty()) nodes.push_back(element(in, nodes));
      return;
    case 2:
      if (nodes.size() > 1) std::swap(nodes.front(), nodes.back());
      return;
    case 3:
      if (!nodes.empty())
        element(in, nodes).encryption_key =
            in.flag() ? path.leaf_node.encryption_key : some_key(in, cast);
      return;
    case 4: {
      if (nodes.empty()) return;
      auto& cts = element(in, nodes).encrypted_path_secret;
      switch (in.pick(4)) {
        case 0:
          if (!cts.empty()) cts.pop_back();
          return;
        case 1:
          if (!cts.empty()) cts.push_back(cts.front());
          return;
        case 2:
          if (!cts.empty()) in.flip(element(in, cts).kem_output);
          return;
        default:
          if (!cts.empty()) in.flip(element(in, cts).ciphertext);
          return;
      }
    }
    case 5: mutate_leaf(in, cast, path.leaf_node, group_id, committer); return;
    case 6: mutate_encoding(in, path); return;
    case 7: nodes.clear(); return;
    default:
      // A leaf that is not of source commit, or carries no parent hash (§7.9.2).
      path.leaf_node.parent_hash.clear();
      if (const Identity* owner = cast.by_key(path.leaf_node.signature_key))
        sign_leaf(cast.suite, path.leaf_node, owner->signature_private_key.view(), group_id,
                  committer);
      return;
  }
}

void mutate_tree(Choices& in, const Cast& cast, wire::RatchetTreeNodes& nodes, BytesView group_id) {
  in.mark();
  if (nodes.empty()) {
    nodes.push_back(wire::Node{cast.bundles[kErin].key_package.leaf_node});
    return;
  }
  const size_t i = in.pick(nodes.size());
  auto& slot = nodes[i];
  switch (in.pick(12)) {
    case 0: slot.reset(); return;
    case 1:
      // No parent nodes: trivially parent-hash valid (§7.9.2), so leaf checks come next.
      for (size_t j = 1; j < nodes.size(); j += 2)
        nodes[j].reset();
      return;
    case 2: nodes.resize(i + 1); return;
    case 3:
      for (size_t k = 1 + in.pick(3); k > 0; --k)
        nodes.push_back(std::nullopt);
      if (in.flag())
        nodes.push_back(wire::Node{cast.bundles[in.pick(kPeople)].key_package.leaf_node});
      return;
    case 4: std::swap(slot, nodes[in.pick(nodes.size())]); return;
    case 5:
      if (slot && slot->leaf())
        mutate_leaf(in, cast, std::get<wire::LeafNode>(slot->value), group_id,
                    static_cast<uint32_t>(i / 2));
      return;
    case 6:
      if (slot && slot->parent()) {
        auto& unmerged = std::get<wire::ParentNode>(slot->value).unmerged_leaves;
        switch (in.pick(4)) {
          case 0: unmerged.push_back(static_cast<uint32_t>(in.pick(nodes.size()))); return;
          case 1:
            if (!unmerged.empty()) unmerged.pop_back();
            return;
          case 2: std::reverse(unmerged.begin(), unmerged.end()); return;
          default:
            if (!unmerged.empty()) unmerged.push_back(unmerged.front());
            return;
        }
      }
      return;
    case 7:
      if (slot && slot->parent()) {
        auto& parent = std::get<wire::ParentNode>(slot->value);
        if (in.flag())
          in.flip(parent.parent_hash);
        else
          parent.encryption_key = some_key(in, cast);
      }
      return;
    case 8:
      // A node of the wrong type for its position (§12.4.3.3).
      if (i % 2 == 0)
        slot = wire::Node{wire::ParentNode{some_key(in, cast), {}, {}}};
      else
        slot = wire::Node{cast.bundles[in.pick(kPeople)].key_package.leaf_node};
      return;
    case 9:
      if (i % 2 == 0) slot = wire::Node{cast.bundles[in.pick(kPeople)].key_package.leaf_node};
      return;
    case 10: mutate_encoding(in, nodes); return;
    default:
      // The same node twice: duplicate keys (§7.3).
      nodes[in.pick(nodes.size())] = slot;
      return;
  }
}

void mutate_group_context(Choices& in, const Cast& cast, wire::GroupContext& context) {
  in.mark();
  switch (in.pick(7)) {
    case 0: context.version = static_cast<wire::ProtocolVersion>(in.pick(3) == 0 ? 0 : 2); return;
    case 1: context.cipher_suite = static_cast<uint16_t>(in.pick(9)); return;
    case 2:
      if (in.flag())
        in.flip(context.group_id);
      else
        context.group_id = in.bytes(40);
      return;
    case 3: context.epoch = awkward(in, context.epoch); return;
    case 4: in.flip(context.tree_hash); return;
    case 5:
      if (in.flag())
        in.flip(context.confirmed_transcript_hash);
      else
        context.confirmed_transcript_hash.clear();
      return;
    default: mutate_extensions(in, cast, context.extensions); return;
  }
}

void mutate_group_info(Choices& in, const Cast& cast, wire::GroupInfo& info) {
  in.mark();
  switch (in.pick(6)) {
    case 0: mutate_group_context(in, cast, info.group_context); return;
    case 1: mutate_extensions(in, cast, info.extensions); return;
    case 2: info.signer = static_cast<uint32_t>(awkward(in, info.signer)); return;
    case 3: mutate_encoding(in, info.group_context); return;
    default: {
      auto ext = std::find_if(
          info.extensions.begin(), info.extensions.end(),
          [](const wire::Extension& x) { return x.extension_type == ExtensionType::kRatchetTree; });
      if (ext == info.extensions.end()) return;
      auto nodes = group_info_tree(info);
      if (!nodes) return;
      for (size_t n = 1 + in.pick(3); n > 0; --n)
        mutate_tree(in, cast, *nodes, info.group_context.group_id);
      try {
        ext->extension_data = codec::encode(*nodes);
      } catch (const Error&) {
      }
      return;
    }
  }
}

std::optional<wire::RatchetTreeNodes> group_info_tree(const wire::GroupInfo& info) {
  const auto* ext = wire::find_extension(info.extensions, ExtensionType::kRatchetTree);
  if (ext == nullptr) return std::nullopt;
  try {
    return codec::decode<wire::RatchetTreeNodes>(ext->extension_data);
  } catch (const Error&) {
    return std::nullopt;
  }
}

bool fix_tree_hash(const Cast& cast, wire::GroupInfo& info,
                   const std::optional<wire::RatchetTreeNodes>& nodes) {
  if (!nodes) return false;
  try {
    info.group_context.tree_hash = tree::RatchetTree::from_nodes(cast.suite, *nodes).tree_hash();
    return true;
  } catch (const Error&) {
    return false;
  }
}

void sign_group_info_as_signer(const Cast& cast, wire::GroupInfo& info,
                               const std::optional<wire::RatchetTreeNodes>& nodes,
                               Person fallback) {
  const Identity* signer = nullptr;
  const size_t at = size_t{info.signer} * 2;
  if (nodes && at < nodes->size() && (*nodes)[at] && (*nodes)[at]->leaf())
    signer = cast.by_key((*nodes)[at]->leaf()->signature_key);
  if (signer == nullptr) signer = &cast[fallback];
  schedule::sign_group_info(cast.suite, info, signer->signature_private_key.view());
}

// --- the shadow ------------------------------------------------------------------------------

SecretBytes shadow_psk_secret(const Cast& cast, const ShadowEpoch& epoch,
                              const std::vector<wire::PreSharedKeyId>& ids) {
  std::vector<schedule::PskInput> inputs;
  for (const auto& id : ids) {
    if (id.psktype == wire::PskType::kExternal && id.psk_id == cast.psk_id) {
      inputs.push_back(schedule::PskInput{id, cast.psk});
      continue;
    }
    if (id.psktype == wire::PskType::kResumption &&
        id.usage == wire::ResumptionPskUsage::kApplication &&
        id.psk_group_id == epoch.context.group_id) {
      const auto it = epoch.resumption_psks.find(id.psk_epoch);
      if (it != epoch.resumption_psks.end()) {
        inputs.push_back(schedule::PskInput{id, it->second});
        continue;
      }
    }
    throw Error(ErrorCode::kPskNotFound, "a PSK the shadow does not hold");
  }
  return schedule::derive_psk_secret(cast.suite, inputs);
}

ShadowEpoch epoch_from_welcome(const Cast& cast, const wire::Welcome& welcome,
                               const KeyPackageBundle& joiner) {
  const crypto::Suite& suite = cast.suite;
  const auto* entry = schedule::find_group_secrets(welcome, joiner.ref(suite));
  if (entry == nullptr) throw Error(ErrorCode::kWelcomeNotForUs, "no secrets for the joiner");
  const wire::GroupSecrets secrets = schedule::decrypt_group_secrets(
      suite, *entry, joiner.init_private_key.view(), welcome.encrypted_group_info);
  ShadowEpoch epoch(suite);
  const SecretBytes psk_secret = shadow_psk_secret(cast, epoch, secrets.psks);
  const SecretBytes welcome_secret =
      schedule::derive_welcome_secret(suite, secrets.joiner_secret.view(), psk_secret.view());
  const wire::GroupInfo info =
      schedule::decrypt_group_info(suite, welcome_secret.view(), welcome.encrypted_group_info);
  const auto* tree = wire::find_extension(info.extensions, ExtensionType::kRatchetTree);
  if (tree == nullptr) throw Error(ErrorCode::kMissingRatchetTree, "the Welcome has no tree");
  epoch.context = info.group_context;
  epoch.tree = tree::RatchetTree::from_nodes(
      suite, codec::decode<wire::RatchetTreeNodes>(tree->extension_data));
  epoch.secrets = schedule::derive_epoch_secrets(suite, secrets.joiner_secret.view(),
                                                 psk_secret.view(), codec::encode(epoch.context));
  epoch.confirmation_tag = info.confirmation_tag;
  epoch.interim = schedule::interim_transcript_hash(suite, epoch.context.confirmed_transcript_hash,
                                                    info.confirmation_tag);
  epoch.secret_tree =
      schedule::SecretTree(suite, epoch.tree.leaf_count(), epoch.secrets.encryption_secret);
  epoch.resumption_psks[epoch.context.epoch] = epoch.secrets.resumption_psk;
  return epoch;
}

AppliedProposals apply_proposals(const Cast& cast, const ShadowEpoch& epoch,
                                 const wire::Commit& commit, const wire::Sender& sender,
                                 const wire::LeafNode* external_leaf) {
  (void)cast;
  struct Resolved {
    wire::Sender sender;
    const wire::Proposal* proposal;
  };
  std::vector<Resolved> list;
  for (const auto& por : commit.proposals) {
    if (const auto* p = por.proposal()) {
      list.push_back({sender, p});
      continue;
    }
    const auto it =
        std::find_if(epoch.proposals.begin(), epoch.proposals.end(),
                     [&](const CachedProposal& c) { return c.ref == *por.reference(); });
    if (it == epoch.proposals.end())
      throw Error(ErrorCode::kUnknownProposalRef, "a reference the shadow did not send");
    list.push_back({it->sender, &it->proposal});
  }
  AppliedProposals out{epoch.tree, epoch.context.extensions, {}, {}, {}, false};
  for (const auto& r : list)
    if (const auto* gce = std::get_if<wire::GroupContextExtensions>(&r.proposal->content))
      out.extensions = gce->extensions;
  for (const auto& r : list)
    if (const auto* update = std::get_if<wire::Update>(&r.proposal->content)) {
      if (r.sender.sender_type != wire::SenderType::kMember)
        throw Error(ErrorCode::kSenderNotAllowed, "an Update from a non-member");
      out.tree.update_leaf(tree::LeafIndex(r.sender.index), update->leaf_node);
    }
  for (const auto& r : list)
    if (const auto* remove = std::get_if<wire::Remove>(&r.proposal->content))
      out.tree.remove_leaf(tree::LeafIndex(remove->removed));
  for (const auto& r : list) {
    if (const auto* add = std::get_if<wire::Add>(&r.proposal->content))
      out.joiners.push_back(out.tree.add_leaf(add->key_package.leaf_node));
    else if (const auto* psk = std::get_if<wire::PreSharedKey>(&r.proposal->content))
      out.psks.push_back(psk->psk);
    else if (std::holds_alternative<wire::ReInit>(r.proposal->content))
      out.reinit = true;
  }
  if (sender.sender_type == wire::SenderType::kNewMemberCommit) {
    // §12.4.3.2: the joiner's leaf goes into the leftmost blank leaf; the path sets its key.
    if (external_leaf == nullptr)
      throw Error(ErrorCode::kPathRequired, "an external commit without a leaf");
    wire::LeafNode placeholder = *external_leaf;
    placeholder.encryption_key.clear();
    out.committer = out.tree.add_leaf(std::move(placeholder));
  } else {
    out.committer = tree::LeafIndex(sender.index);
  }
  return out;
}

void add_path(const Cast& cast, const ShadowEpoch& epoch, Draft& draft,
              const wire::LeafNode& leaf_template, BytesView leaf_secret) {
  auto& commit = std::get<wire::Commit>(draft.content.content);
  commit.path.reset();
  AppliedProposals applied =
      apply_proposals(cast, epoch, commit, draft.content.sender, &leaf_template);
  // §12.4.2: the provisional GroupContext, whose tree hash create_update_path fills in.
  wire::GroupContext provisional = epoch.context;
  provisional.epoch = epoch.context.epoch + 1;
  provisional.extensions = applied.extensions;
  const Identity* signer = cast.by_key(leaf_template.signature_key);
  if (signer == nullptr) signer = &cast[draft.author];
  tree::TreeKemPrivate me(applied.committer);
  auto created = tree::create_update_path(
      applied.tree, me, leaf_template, signer->signature_private_key.view(), provisional,
      applied.joiners,
      leaf_secret.empty() ? std::nullopt : std::optional<SecretBytes>(SecretBytes(leaf_secret)));
  commit.path = std::move(created.path);
  draft.commit_secret = std::move(created.commit_secret);
}

namespace {

// The key the members will verify the content with (§6.1), as the shadow can sign for it.
const Identity& signer_for(const Cast& cast, const ShadowEpoch& epoch, const Draft& draft) {
  const wire::FramedContent& fc = draft.content;
  const Identity* found = nullptr;
  switch (fc.sender.sender_type) {
    case wire::SenderType::kMember: {
      const tree::LeafIndex l(fc.sender.index);
      if (epoch.tree.contains(l) && epoch.tree.leaf(l) != nullptr)
        found = cast.by_key(epoch.tree.leaf(l)->signature_key);
      break;
    }
    case wire::SenderType::kExternal: found = &cast[kDs]; break;
    case wire::SenderType::kNewMemberProposal:
      if (const auto* p = std::get_if<wire::Proposal>(&fc.content))
        if (const auto* add = std::get_if<wire::Add>(&p->content))
          found = cast.by_key(add->key_package.leaf_node.signature_key);
      break;
    case wire::SenderType::kNewMemberCommit:
      if (const auto* c = std::get_if<wire::Commit>(&fc.content))
        if (c->path) found = cast.by_key(c->path->leaf_node.signature_key);
      break;
  }
  return found != nullptr ? *found : cast[draft.author];
}

// The epoch a sealed commit leads to, as every member computes it (§12.4.2), or nullopt when
// the members would refuse the commit before its confirmation tag. A path changed after it was
// made keeps the commit secret it was made with: the shadow cannot know what a member decrypts
// from altered ciphertexts (it holds no member's HPKE keys), so such a commit is refused at the
// path or, at the latest, at the tag, after the whole commit was staged.
std::optional<ShadowEpoch> next_epoch(const Cast& cast, const ShadowEpoch& epoch,
                                      const Draft& draft, const wire::AuthenticatedContent& ac) {
  const crypto::Suite& suite = cast.suite;
  const auto& commit = std::get<wire::Commit>(ac.content.content);
  const bool external = ac.content.sender.sender_type == wire::SenderType::kNewMemberCommit;
  try {
    AppliedProposals applied = apply_proposals(cast, epoch, commit, ac.content.sender,
                                               commit.path ? &commit.path->leaf_node : nullptr);
    if (commit.path) {
      tree::PathMerge plan = tree::plan_update_path(applied.tree, applied.committer, *commit.path);
      plan.leaf = commit.path->leaf_node;
      applied.tree.merge(plan);
    }
    ShadowEpoch next(suite);
    next.context = epoch.context;
    next.context.epoch = epoch.context.epoch + 1;
    next.context.extensions = applied.extensions;
    next.context.tree_hash = applied.tree.tree_hash();
    next.context.confirmed_transcript_hash =
        schedule::confirmed_transcript_hash(suite, epoch.interim, ac);
    if (external && !draft.external_init_secret) return std::nullopt;
    const SecretBytes& init = external ? *draft.external_init_secret : epoch.secrets.init_secret;
    const SecretBytes commit_secret =
        commit.path && draft.commit_secret ? *draft.commit_secret : schedule::zero_secret(suite);
    auto ks = schedule::run_key_schedule(suite, init.view(), commit_secret.view(),
                                         shadow_psk_secret(cast, epoch, applied.psks).view(),
                                         next.context);
    next.confirmation_tag = schedule::confirmation_tag(suite, ks.epoch.confirmation_key.view(),
                                                       next.context.confirmed_transcript_hash);
    next.interim = schedule::interim_transcript_hash(suite, next.context.confirmed_transcript_hash,
                                                     next.confirmation_tag);
    next.tree = std::move(applied.tree);
    next.secrets = std::move(ks.epoch);
    next.secret_tree =
        schedule::SecretTree(suite, next.tree.leaf_count(), next.secrets.encryption_secret);
    // Members keep this epoch's resumption PSK and those of two before (config default).
    next.resumption_psks = epoch.resumption_psks;
    next.resumption_psks[next.context.epoch] = next.secrets.resumption_psk;
    while (next.resumption_psks.size() > 3)
      next.resumption_psks.erase(next.resumption_psks.begin());
    next.ended = applied.reinit;
    return next;
  } catch (const Error&) {
    return std::nullopt;
  }
}

}  // namespace

Sealed seal(const Cast& cast, ShadowEpoch& epoch, const Draft& draft) {
  const crypto::Suite& suite = cast.suite;
  Sealed out;
  wire::AuthenticatedContent& ac = out.content;
  ac.wire_format = draft.wire_format;
  ac.content = draft.content;
  const Identity& signer = signer_for(cast, epoch, draft);
  ac.auth.signature = schedule::sign_framed_content(
      suite, ac.wire_format, ac.content, signer.signature_private_key.view(), epoch.context);
  if (draft.wrong_signature) {
    ac.auth.signature[0] ^= 1;
    out.forged = true;
  }
  if (ac.content.content_type() == wire::ContentType::kCommit) {
    // §6.1, §8.2: the tag covers the transcript through this commit's signature.
    out.next = next_epoch(cast, epoch, draft, ac);
    out.tag_known = out.next.has_value();
    ac.auth.confirmation_tag =
        out.next ? out.next->confirmation_tag : Bytes(suite.hash_len(), 0x42);
    if (draft.wrong_confirmation_tag) {
      (*ac.auth.confirmation_tag)[0] ^= 1;
      out.forged = true;
      out.tag_known = false;
      out.next.reset();
    }
  }
  if (ac.content.content_type() == wire::ContentType::kProposal)
    out.proposal_ref = suite.make_proposal_ref(codec::encode(ac));

  if (ac.wire_format == wire::WireFormat::kPublicMessage) {
    // §6.2, built by hand: application data as a PublicMessage is for the members to refuse.
    wire::PublicMessage pub{ac.content, ac.auth, std::nullopt};
    if (ac.content.sender.sender_type == wire::SenderType::kMember) {
      pub.membership_tag = schedule::membership_tag(suite, epoch.secrets.membership_key.view(),
                                                    ac.content, ac.auth, epoch.context);
      if (draft.wrong_membership_tag) {
        (*pub.membership_tag)[0] ^= 1;
        out.forged = true;
      }
    }
    out.message.body = std::move(pub);
    return out;
  }
  // §6.3: the sender's ratchet, or (for a leaf outside the tree) one of a larger tree that
  // the members do not have: their checks of the sender data come first.
  const tree::LeafIndex leaf(ac.content.sender.index);
  const auto type = ac.content.content_type() == wire::ContentType::kApplication
                        ? schedule::RatchetType::kApplication
                        : schedule::RatchetType::kHandshake;
  std::optional<schedule::SecretTree> wider;
  schedule::SecretTree* secret_tree = &epoch.secret_tree;
  if (leaf.value >= epoch.secret_tree.leaf_count()) {
    if (leaf.value >= (1u << 20)) throw Error(ErrorCode::kLeafIndexOutOfRange, "a leaf too far");
    wider.emplace(suite, tree::LeafCount(leaf.value + 1), epoch.secrets.encryption_secret);
    secret_tree = &*wider;
  }
  for (uint32_t i = 0; i < draft.skipped_generations; ++i)
    secret_tree->next_key(suite, leaf, type);
  out.message.body = schedule::protect_private_message(
      suite, ac, *secret_tree, epoch.secrets.sender_data_secret.view(), draft.padding);
  return out;
}

FourMembers::FourMembers() {
  CreateOptions options;
  options.extensions = {cast.external_senders()};
  alice.emplace(Group::create(cast.provider, cast[kAlice], options, cast.policy()));
  CommitOptions add;
  add.add = {cast.bundles[kBob].key_package, cast.bundles[kCarol].key_package,
             cast.bundles[kDave].key_package};
  const CommitOutput out = alice->commit(add);
  alice->merge_pending_commit();
  bob.emplace(Group::join(cast.provider, cast[kBob], cast.bundles[kBob], *out.welcome, std::nullopt,
                          GroupConfig{}, cast.policy()));
  dave.emplace(Group::join(cast.provider, cast[kDave], cast.bundles[kDave], *out.welcome,
                           std::nullopt, GroupConfig{}, cast.policy()));
  epoch.emplace(epoch_from_welcome(cast, *out.welcome->get<wire::Welcome>(), cast.bundles[kBob]));
  if (epoch->secrets.epoch_authenticator != bob->epoch_authenticator())
    finding("the shadow does not reach the epoch bob joined");
}

std::optional<wire::MlsMessage> on_the_wire(const wire::MlsMessage& message) {
  try {
    return codec::decode<wire::MlsMessage>(codec::encode(message));
  } catch (const Error&) {
    return std::nullopt;
  }
}

bool receiver_specific(ErrorCode code) {
  switch (code) {
    case ErrorCode::kAeadAuthenticationFailed:  // HPKE of the receiver's path secret
    case ErrorCode::kInvalidPublicKey:          // its kem_output
    case ErrorCode::kUpdatePathKeyMismatch:
    case ErrorCode::kNoDecryptionKey:
    case ErrorCode::kUpdatePathCiphertextCount:
    case ErrorCode::kPrivateKeyMismatch: return true;
    default: return false;
  }
}

void finding(const std::string& what) {
  std::fprintf(stderr, "FINDING: %s\n", what.c_str());
  std::abort();
}

}  // namespace conclave_fuzz
