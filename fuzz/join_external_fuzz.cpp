// libFuzzer target: Group::join_external from a mutated GroupInfo of the live group, signed
// again by its signer (issue 15; resealer.h), and the external commit it makes processed by
// the members bob and dave (§12.4.3.2).
//
// The GroupInfo is alice's, of epoch 1 (external_pub and ratchet_tree extensions). Per input
// the joiner (erin, frank, or bob resyncing), the join options (a leaf to remove, PSKs,
// authenticated data) and mutations of the GroupInfo are chosen (GroupContext, extensions,
// tree, signer, external_pub); the harness then puts the tree's hash into the GroupContext,
// recomputes the confirmation tag with the epoch's confirmation key (which the shadow has from
// bob's Welcome) and signs the GroupInfo as its signer, so that join_external gets past the
// signature to the tree, the external_pub and the commit it builds.
//
// A finding: a crash or sanitizer report; an exception other than conclave::Error; the
// unmutated GroupInfo refused, or its commit refused by a member; a GroupInfo with a broken
// signature accepted; a member accepting the commit into another epoch than the joiner's
// (the confirmation tag must prevent that fork, §12.4.2); bob and dave disagreeing, or a refused
// commit changing a member's state; the joiner's first message unreadable by the members that
// merged its commit.
#include <cstdio>
#include <cstdlib>
#include <optional>
#include <string>

#include "conclave/schedule/detail/transcript_hash.h"
#include "conclave/schedule/key_schedule.h"
#include "resealer.h"

namespace {

using namespace conclave_fuzz;

struct Member {
  const char* name;
  std::optional<Group> group;
  bool ok = false;
  ErrorCode code{};
  std::string what = {};
  std::optional<ProcessResult> result = {};
};

void deliver(Member& m, const wire::MlsMessage& message) {
  const SecretBytes before = m.group->serialize();
  try {
    m.result = m.group->process(message);
    m.ok = true;
  } catch (const Error& e) {
    m.code = e.code();
    m.what = e.what();
    if (m.group->serialize() != before)
      finding(std::string("a refused external commit changed ") + m.name + "'s state");
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static FourMembers fx;
  static const wire::GroupInfo base = *fx.alice->group_info().get<wire::GroupInfo>();
  static const bool trace = std::getenv("CONCLAVE_FUZZ_TRACE") != nullptr;
  const Cast& cast = fx.cast;
  const ShadowEpoch& epoch = *fx.epoch;
  Choices in(data, size);

  // Who joins, and how (the choices an honest joiner may make come first).
  static const Person joiners[] = {kErin, kFrank, kBob, kCarol};
  const Person joiner = joiners[in.pick(4)];
  bool honest = joiner == kErin || joiner == kFrank;
  ExternalJoinOptions options;
  switch (in.pick(4)) {
    case 1: {
      // §12.4.3.2 resync: remove the joiner's earlier leaf (honest for a member rejoining).
      const auto leaf = epoch.tree.find_leaf_by_signature_key(cast[joiner].signature_public_key);
      options.remove_leaf = leaf.value_or(tree::LeafIndex(0));
      honest = leaf.has_value();
      break;
    }
    case 2:
      options.remove_leaf = tree::LeafIndex(static_cast<uint32_t>(in.pick(6)));
      honest = false;
      break;
    case 3: options.authenticated_data = in.bytes(16); break;
    default: break;
  }
  switch (in.pick(3)) {
    case 1:
      options.psks.push_back(
          wire::PreSharedKeyId::external(cast.psk_id, Bytes(cast.suite.hash_len(), in.byte())));
      break;
    case 2:
      options.psks.push_back(wire::PreSharedKeyId::external(in.bytes(6), Bytes(32, 3)));
      honest = false;
      break;
    default: break;
  }

  wire::GroupInfo info = base;
  bool fix_hash = true, resign = true, forged = false;
  for (size_t op = in.pick(8), n = 0; op != 0 && n < 6; op = in.pick(8), ++n) {
    switch (op) {
      case 1:
      case 2:
      case 3: mutate_group_info(in, cast, info); break;
      case 4: {
        // §12.4.3.2: the key the joiner's ExternalInit is encapsulated to.
        in.mark();
        wire::ExternalPub pub{cast.bundles[in.pick(kPeople)].key_package.init_key};
        if (in.flag()) pub.external_pub = in.bytes(40);
        std::erase_if(info.extensions, [](const wire::Extension& x) {
          return x.extension_type == wire::ExtensionType::kExternalPub;
        });
        if (in.pick(4) != 0)
          info.extensions.push_back(
              wire::Extension{wire::ExtensionType::kExternalPub, codec::encode(pub)});
        break;
      }
      case 5: in.mark(), fix_hash = false; break;
      case 6: in.mark(), resign = false; break;
      default: mutate_encoding(in, info); break;
    }
  }
  const auto nodes = group_info_tree(info);
  if (fix_hash) fix_tree_hash(cast, info, nodes);
  // §6.1: the tag of the epoch's confirmation key over the (maybe changed) transcript hash, as
  // alice would compute it; the joiner cannot check it, it feeds the interim transcript hash.
  info.confirmation_tag =
      schedule::confirmation_tag(cast.suite, epoch.secrets.confirmation_key.view(),
                                 info.group_context.confirmed_transcript_hash);
  if (resign) {
    try {
      sign_group_info_as_signer(cast, info, nodes, kAlice);
    } catch (const Error&) {
      return 0;
    }
  } else if (!info.signature.empty()) {
    info.signature[0] ^= 1;
    forged = true;
  }
  const auto message = on_the_wire(wire::MlsMessage{info});
  if (!message) return 0;
  honest = honest && !in.mutated();

  std::optional<ExternalJoin> joined;
  try {
    joined.emplace(
        Group::join_external(cast.provider, cast[joiner], *message, options, cast.policy()));
  } catch (const Error& e) {
    if (trace) std::fprintf(stderr, "join_external refuses: %s\n", e.what());
    if (honest) finding(std::string("join_external refused an honest GroupInfo: ") + e.what());
    return 0;
  }
  if (forged) finding("join_external accepted a GroupInfo with a broken signature");

  Member members[2] = {{"bob", *fx.bob}, {"dave", *fx.dave}};
  const auto commit = on_the_wire(joined->commit);
  if (!commit) finding("join_external made a commit that does not decode");
  for (Member& m : members)
    deliver(m, *commit);
  if (trace)
    std::fprintf(stderr, "%s: bob %s, dave %s\n", in.mutated() ? "mutated" : "unmutated",
                 members[0].ok ? "accepts" : members[0].what.c_str(),
                 members[1].ok ? "accepts" : members[1].what.c_str());

  const Group& newcomer = joined->group;
  for (Member& m : members) {
    const auto* staged = m.ok ? std::get_if<StagedCommit>(&*m.result) : nullptr;
    if (m.ok && staged == nullptr) finding(std::string(m.name) + " read the commit as no commit");
    if (honest && !m.ok && !(joiner == kBob && m.name == std::string("bob")))
      finding(std::string(m.name) + " refused an honest external commit: " + m.what);
    if (staged == nullptr || staged->removes_me()) continue;
    if (!(staged->new_context() == newcomer.context()) ||
        staged->epoch_authenticator() != newcomer.epoch_authenticator())
      finding(std::string(m.name) + " accepted the external commit into another epoch");
  }
  // A member the commit removes does not check its confirmation tag (it cannot compute the
  // new epoch), so it may accept what the other refuses.
  if (members[0].ok != members[1].ok && joiner != kBob) {
    const Member& accepted = members[0].ok ? members[0] : members[1];
    const Member& refused = members[0].ok ? members[1] : members[0];
    const auto* staged = std::get_if<StagedCommit>(&*accepted.result);
    if (!receiver_specific(refused.code) && !(staged && staged->removes_me()))
      finding("only one of bob and dave refused the external commit: " + refused.what);
  }
  // The newcomer speaks in its epoch; whoever merged its commit reads it.
  wire::MlsMessage hello;
  try {
    hello = joined->group.protect(as_bytes("hello from the newcomer"));
  } catch (const Error&) {
    return 0;
  }
  for (Member& m : members) {
    const auto* staged = m.ok ? std::get_if<StagedCommit>(&*m.result) : nullptr;
    if (staged == nullptr || staged->removes_me()) continue;
    m.group->merge(*staged);
    try {
      m.group->process(hello);
    } catch (const Error& e) {
      finding(std::string(m.name) + " cannot read the newcomer's message: " + e.what());
    }
  }
  return 0;
}
