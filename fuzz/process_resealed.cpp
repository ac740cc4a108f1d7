// libFuzzer target: Group::process of structurally mutated messages that are signed, MACed,
// encrypted and confirmed again by the sender's side (issue 15; resealer.h), so that members
// see validly authenticated messages with hostile content.
//
// The live group: alice, bob, carol and dave (suite 1, an external sender ds). The shadow speaks
// for alice and carol (and, through mutations, for anyone whose signature key it has); bob and
// dave are the honest receivers. An input is a script of up to four messages, each an honest
// template (application data, each proposal type, external and new-member proposals, a commit
// by value and by reference, an external commit, a replay, a late application message)
// followed by mutations of its content, its framing and its sealing. A commit both receivers
// accept moves the shadow to the next epoch, so later messages reach later epochs.
//
// A finding: a crash or sanitizer report; an exception other than conclave::Error; a refused
// message that changed a receiver's state (§14: nothing applies before all is verified); an
// unmutated template refused; a message with a broken signature, membership tag or
// confirmation tag accepted (§6.1, §6.2, §12.4.2); bob and dave disagreeing (one refuses what
// the other accepts, for a reason that does not depend on its own keys, or both accept and reach
// different epochs); a member reaching another epoch than the shadow computed.
#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <optional>
#include <string>
#include <utility>
#include <variant>
#include <vector>

#include "conclave/schedule/key_schedule.h"
#include "conclave/tree/treekem.h"
#include "resealer.h"

namespace {

using namespace conclave_fuzz;

enum Kind {
  kApplication,
  kUpdate,
  kRemove,
  kAdd,
  kPsk,
  kGce,
  kExternalProposal,
  kNewMemberProposal,
  kCommit,
  kExternalCommit,
  kReplay,
  kLateApplication,
  kKinds
};

std::optional<tree::LeafIndex> leaf_of(const ShadowEpoch& e, const Cast& cast, Person p) {
  return e.tree.find_leaf_by_signature_key(cast[p].signature_public_key);
}

// The members other than `except`, in leaf order.
std::vector<tree::LeafIndex> members_but(const ShadowEpoch& e, tree::LeafIndex except) {
  std::vector<tree::LeafIndex> out;
  for (tree::LeafIndex l : e.tree.members())
    if (l != except) out.push_back(l);
  return out;
}

// §12.2, the rules a list of proposals in one regular commit must meet, as far as the templates
// can break them; keeps the honest commit templates honest.
bool valid_list(const ShadowEpoch& e,
                const std::vector<std::pair<wire::Sender, wire::Proposal>>& list,
                tree::LeafIndex committer) {
  std::vector<uint32_t> leaves;
  std::vector<Bytes> added, psks;
  size_t gce = 0;
  bool reinit = false;
  for (const auto& [sender, p] : list) {
    if (const auto* u = std::get_if<wire::Update>(&p.content)) {
      (void)u;
      if (sender.index == committer.value) return false;
      leaves.push_back(sender.index);
    } else if (const auto* r = std::get_if<wire::Remove>(&p.content)) {
      const tree::LeafIndex l(r->removed);
      if (l == committer || !e.tree.contains(l) || e.tree.leaf(l) == nullptr) return false;
      leaves.push_back(r->removed);
    } else if (const auto* a = std::get_if<wire::Add>(&p.content)) {
      const Bytes& key = a->key_package.leaf_node.signature_key;
      if (e.tree.find_leaf_by_signature_key(key)) return false;
      added.push_back(key);
    } else if (const auto* psk = std::get_if<wire::PreSharedKey>(&p.content)) {
      psks.push_back(codec::encode(psk->psk));
    } else if (std::holds_alternative<wire::GroupContextExtensions>(p.content)) {
      ++gce;
    } else if (std::holds_alternative<wire::ReInit>(p.content)) {
      reinit = true;
    } else {
      return false;
    }
  }
  const auto unique = [](auto v) {
    std::sort(v.begin(), v.end());
    return std::adjacent_find(v.begin(), v.end()) == v.end();
  };
  return unique(leaves) && unique(added) && unique(psks) && gce <= 1 &&
         (!reinit || list.size() == 1);
}

struct Built {
  Draft draft;
  bool honest = true;
  bool commit = false;
  std::optional<wire::LeafNode> path_template;  // commits: the committer's leaf to path from
};

wire::Proposal psk_proposal(Choices& in, const Cast& cast, const ShadowEpoch& e) {
  Bytes nonce(cast.suite.hash_len(), in.byte());
  if (in.flag())
    return wire::Proposal{wire::PreSharedKey{wire::PreSharedKeyId::external(cast.psk_id, nonce)}};
  return wire::Proposal{wire::PreSharedKey{wire::PreSharedKeyId::resumption(
      wire::ResumptionPskUsage::kApplication, e.context.group_id, e.context.epoch, nonce)}};
}

// An Update of `leaf`: a fresh encryption key, source update, signed for its position (§12.1.2).
wire::Proposal update_proposal(Choices& in, const Cast& cast, const ShadowEpoch& e,
                               tree::LeafIndex leaf, size_t message) {
  wire::LeafNode node = *e.tree.leaf(leaf);
  Bytes ikm(32, static_cast<uint8_t>(message));
  ikm[1] = in.byte();
  ikm[2] = static_cast<uint8_t>(e.context.epoch);
  node.encryption_key = cast.suite.derive_hpke_key_pair(ikm).public_key;
  node.leaf_node_source = wire::LeafNodeSource::kUpdate;
  node.lifetime = {};
  node.parent_hash.clear();
  if (const Identity* owner = cast.by_key(node.signature_key))
    sign_leaf(cast.suite, node, owner->signature_private_key.view(), e.context.group_id,
              leaf.value);
  return wire::Proposal{wire::Update{std::move(node)}};
}

Built build(Choices& in, const Cast& cast, const ShadowEpoch& e, Kind kind, size_t message) {
  Built b;
  Draft& d = b.draft;
  d.content.group_id = e.context.group_id;
  d.content.epoch = e.context.epoch;
  // The author: alice or carol, whichever the input picks and is still a member.
  Person author = in.flag() ? kCarol : kAlice;
  std::optional<tree::LeafIndex> at = leaf_of(e, cast, author);
  if (!at) {
    author = author == kAlice ? kCarol : kAlice;
    at = leaf_of(e, cast, author);
  }
  if (!at) b.honest = false;
  const tree::LeafIndex me = at.value_or(tree::LeafIndex(0));
  d.author = author;
  d.content.sender = wire::Sender::member(me.value);
  d.wire_format = in.flag() ? wire::WireFormat::kPublicMessage : wire::WireFormat::kPrivateMessage;
  const auto others = members_but(e, me);
  const auto outsider = [&]() -> Person {
    const Person p = in.flag() ? kFrank : kErin;
    if (leaf_of(e, cast, p)) b.honest = false;  // already in: an Add of a member
    return p;
  };

  switch (kind) {
    case kApplication:
    case kLateApplication:
      d.wire_format = wire::WireFormat::kPrivateMessage;
      d.content.content = wire::ApplicationData{in.bytes(64)};
      return b;
    case kUpdate:
      if (at) {
        d.content.content = update_proposal(in, cast, e, me, message);
      } else {
        b.honest = false;
        d.content.content = wire::Proposal{wire::Remove{0}};
      }
      return b;
    case kRemove:
      if (others.empty()) b.honest = false;
      d.content.content =
          wire::Proposal{wire::Remove{others.empty() ? 0u : others[in.pick(others.size())].value}};
      return b;
    case kAdd:
      d.content.content = wire::Proposal{wire::Add{cast.bundles[outsider()].key_package}};
      return b;
    case kPsk: d.content.content = psk_proposal(in, cast, e); return b;
    case kGce:
      d.content.content = wire::Proposal{wire::GroupContextExtensions{e.context.extensions}};
      return b;
    case kExternalProposal:
      // §12.1.8: ds, named by the external_senders extension, proposes an Add or a Remove.
      d.author = kDs;
      d.content.sender = wire::Sender::external(0);
      d.wire_format = wire::WireFormat::kPublicMessage;
      if (in.flag() && !others.empty())
        d.content.content = wire::Proposal{wire::Remove{others[in.pick(others.size())].value}};
      else
        d.content.content = wire::Proposal{wire::Add{cast.bundles[outsider()].key_package}};
      return b;
    case kNewMemberProposal: {
      const Person joiner = outsider();
      d.author = joiner;
      d.content.sender = wire::Sender::new_member_proposal();
      d.wire_format = wire::WireFormat::kPublicMessage;
      d.content.content = wire::Proposal{wire::Add{cast.bundles[joiner].key_package}};
      return b;
    }
    case kExternalCommit: {
      // §12.4.3.2: a new member's commit of itself, from the GroupInfo's external_pub (§8.3).
      const Person joiner = outsider();
      d.author = joiner;
      d.content.sender = wire::Sender::new_member_commit();
      d.wire_format = wire::WireFormat::kPublicMessage;
      const auto external =
          schedule::derive_external_key_pair(cast.suite, e.secrets.external_secret.view());
      auto init = schedule::external_init_for_joiner(cast.suite, external.public_key);
      wire::Commit commit;
      commit.proposals.push_back(
          wire::ProposalOrRef{wire::Proposal{wire::ExternalInit{init.kem_output}}});
      d.external_init_secret = std::move(init.init_secret);
      d.content.content = std::move(commit);
      b.commit = true;
      b.path_template = cast.bundles[joiner].key_package.leaf_node;
      return b;
    }
    default: break;
  }

  // kCommit: the pending proposals that keep the list valid, by reference, then maybe one by
  // value, and a path from the committer's current leaf.
  b.commit = true;
  wire::Commit commit;
  std::vector<std::pair<wire::Sender, wire::Proposal>> list;
  const auto try_add = [&](const wire::Sender& sender, const wire::Proposal& p,
                           wire::ProposalOrRef por) {
    list.emplace_back(sender, p);
    if (valid_list(e, list, me)) {
      commit.proposals.push_back(std::move(por));
      return true;
    }
    list.pop_back();
    return false;
  };
  if (in.pick(2) == 0)
    for (const auto& c : e.proposals)
      try_add(c.sender, c.proposal, wire::ProposalOrRef{c.ref});
  const wire::Sender self = wire::Sender::member(me.value);
  switch (in.pick(6)) {
    case 1: {
      const wire::Proposal p{wire::Add{cast.bundles[outsider()].key_package}};
      if (!try_add(self, p, wire::ProposalOrRef{p})) b.honest = false;
      break;
    }
    case 2:
      if (!others.empty()) {
        const wire::Proposal p{wire::Remove{others[in.pick(others.size())].value}};
        if (!try_add(self, p, wire::ProposalOrRef{p})) b.honest = false;
      }
      break;
    case 3: {
      const wire::Proposal p = psk_proposal(in, cast, e);
      if (!try_add(self, p, wire::ProposalOrRef{p})) b.honest = false;
      break;
    }
    case 4: {
      const wire::Proposal p{wire::GroupContextExtensions{e.context.extensions}};
      if (!try_add(self, p, wire::ProposalOrRef{p})) b.honest = false;
      break;
    }
    case 5: {
      // §12.1.5: a ReInit is alone in its commit.
      commit.proposals.clear();
      list.clear();
      const wire::Proposal p{wire::ReInit{Bytes(16, 0x77), wire::ProtocolVersion::kMls10, 1, {}}};
      try_add(self, p, wire::ProposalOrRef{p});
      break;
    }
    default: break;
  }
  d.content.content = std::move(commit);
  if (at) b.path_template = *e.tree.leaf(me);
  return b;
}

// A change to the list of proposals of a commit.
void mutate_commit_list(Choices& in, const Cast& cast, const ShadowEpoch& e, wire::Commit& commit,
                        uint32_t sender_leaf) {
  in.mark();
  auto& list = commit.proposals;
  switch (in.pick(8)) {
    case 0:
      if (!list.empty()) list.erase(list.begin() + static_cast<long>(in.pick(list.size())));
      return;
    case 1:
      if (!list.empty()) list.push_back(list[in.pick(list.size())]);
      return;
    case 2: std::reverse(list.begin(), list.end()); return;
    case 3:
      if (!e.proposals.empty())
        list.push_back(wire::ProposalOrRef{e.proposals[in.pick(e.proposals.size())].ref});
      return;
    case 4: {
      if (list.empty()) return;
      auto& por = list[in.pick(list.size())];
      if (auto* p = std::get_if<wire::Proposal>(&por.value))
        mutate_proposal(in, cast, *p, e.context.group_id, sender_leaf);
      else
        in.flip(std::get<wire::ProposalRef>(por.value));
      return;
    }
    case 5: {
      // A proposal of any type by value, Updates and ExternalInit included (§12.2 forbids them).
      wire::Proposal p{wire::Remove{static_cast<uint32_t>(in.pick(5))}};
      mutate_proposal(in, cast, p, e.context.group_id, sender_leaf);
      list.push_back(wire::ProposalOrRef{std::move(p)});
      return;
    }
    case 6:
      if (e.tree.contains(tree::LeafIndex(sender_leaf)) &&
          e.tree.leaf(tree::LeafIndex(sender_leaf)) != nullptr)
        list.push_back(
            wire::ProposalOrRef{update_proposal(in, cast, e, tree::LeafIndex(sender_leaf), 9)});
      return;
    default: list.clear(); return;
  }
}

struct Receiver {
  const char* name;
  Person person;
  std::optional<Group> group;
  bool impersonated = false;  // the shadow sent something as this member
  bool active() const { return group && group->active(); }
};

struct Outcome {
  bool delivered = false;
  bool ok = false;
  ErrorCode code{};
  std::string what;
  std::optional<ProcessResult> result;
};

Outcome deliver(Receiver& r, const wire::MlsMessage& message) {
  Outcome o;
  if (!r.active()) return o;
  o.delivered = true;
  const SecretBytes before = r.group->serialize();
  try {
    o.result = r.group->process(message);
    o.ok = true;
  } catch (const Error& e) {
    o.code = e.code();
    o.what = e.what();
    if (r.group->serialize() != before)
      finding(std::string("a refused message changed ") + r.name + "'s state: " + e.what());
  }
  return o;
}

bool removes_me(const Outcome& o) {
  const auto* staged = o.result ? std::get_if<StagedCommit>(&*o.result) : nullptr;
  return staged != nullptr && staged->removes_me();
}

// Both accepted: the same result, and for a commit the same next epoch (§8: one group state).
void compare(const Outcome& a, const Outcome& b) {
  if (a.result->index() != b.result->index()) finding("bob and dave read different content");
  if (const auto* x = std::get_if<StagedCommit>(&*a.result)) {
    const auto& y = std::get<StagedCommit>(*b.result);
    if (!(x->new_context() == y.new_context()))
      finding("bob and dave stage different GroupContexts");
    if (!x->removes_me() && !y.removes_me() && x->epoch_authenticator() != y.epoch_authenticator())
      finding("bob and dave stage different epoch secrets");
  } else if (const auto* p = std::get_if<ReceivedProposal>(&*a.result)) {
    const auto& q = std::get<ReceivedProposal>(*b.result);
    if (!(p->sender == q.sender) || !(p->proposal == q.proposal) || p->ref != q.ref)
      finding("bob and dave received different proposals");
  } else {
    const auto& u = std::get<ApplicationMessage>(*a.result);
    const auto& v = std::get<ApplicationMessage>(*b.result);
    if (u.data != v.data || u.authenticated_data != v.authenticated_data || u.sender != v.sender)
      finding("bob and dave read different application data");
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static FourMembers fx;
  // CONCLAVE_FUZZ_TRACE=1 prints what each message did (for triage, with -runs on one input).
  static const bool trace = std::getenv("CONCLAVE_FUZZ_TRACE") != nullptr;
  const Cast& cast = fx.cast;
  Choices in(data, size);
  ShadowEpoch e = *fx.epoch;
  std::optional<ShadowEpoch> previous;
  Receiver receivers[2] = {{"bob", kBob, *fx.bob}, {"dave", kDave, *fx.dave}};
  std::vector<wire::MlsMessage> sent;

  for (size_t m = 0; m < 4 && (m == 0 || in.remaining() > 0); ++m) {
    Kind kind = static_cast<Kind>(in.pick(kKinds));
    if (kind == kReplay && sent.empty()) kind = kApplication;
    if (kind == kReplay && !sent.empty()) {
      // Replays are refused or ignored as the rules say; only the common checks apply.
      const wire::MlsMessage again = sent[in.pick(sent.size())];
      const Outcome a = deliver(receivers[0], again), b = deliver(receivers[1], again);
      (void)a;
      (void)b;
      return 0;
    }
    const bool late = kind == kLateApplication && previous.has_value();
    ShadowEpoch& at = late ? *previous : e;
    Built built = build(in, cast, at, kind, m);
    Draft& d = built.draft;

    // Mutations before the path: the content and who sends it.
    for (size_t op = in.pick(9), n = 0; op != 0 && n < 6; op = in.pick(9), ++n) {
      switch (op) {
        case 1: {
          d.content.sender = wire::Sender::member(static_cast<uint32_t>(in.pick(8)));
          in.mark();
          break;
        }
        case 2:
          d.content.sender = {static_cast<wire::SenderType>(1 + in.pick(4)),
                              static_cast<uint32_t>(in.pick(3))};
          in.mark();
          break;
        case 3:
          if (auto* p = std::get_if<wire::Proposal>(&d.content.content))
            mutate_proposal(in, cast, *p, at.context.group_id, d.content.sender.index);
          else if (auto* c = std::get_if<wire::Commit>(&d.content.content))
            mutate_commit_list(in, cast, at, *c, d.content.sender.index);
          else
            std::get<wire::ApplicationData>(d.content.content).data = in.bytes(300), in.mark();
          break;
        case 4:
          if (auto* p = std::get_if<wire::Proposal>(&d.content.content))
            mutate_encoding(in, *p);
          else if (auto* c = std::get_if<wire::Commit>(&d.content.content))
            mutate_encoding(in, *c);
          break;
        case 5:
          d.content.authenticated_data = in.bytes(32);
          in.mark();
          break;
        case 6:
          d.wire_format = d.wire_format == wire::WireFormat::kPublicMessage
                              ? wire::WireFormat::kPrivateMessage
                              : wire::WireFormat::kPublicMessage;
          in.mark();
          break;
        case 7:
          if (built.path_template)
            mutate_leaf(in, cast, *built.path_template, at.context.group_id,
                        d.content.sender.index);
          break;
        default:
          if (built.path_template) {
            built.path_template.reset();  // a commit without an UpdatePath (§12.4)
            in.mark();
          }
          break;
      }
    }
    // Whom the content claims to be from: a receiver's own leaf takes it out of the
    // comparison from now on (it would refuse its "own" messages, §12.4.2).
    if (d.content.sender.sender_type == wire::SenderType::kMember)
      for (Receiver& r : receivers)
        if (at.tree.contains(tree::LeafIndex(d.content.sender.index)) &&
            at.tree.leaf(tree::LeafIndex(d.content.sender.index)) != nullptr &&
            at.tree.leaf(tree::LeafIndex(d.content.sender.index))->signature_key ==
                cast[r.person].signature_public_key)
          r.impersonated = true;

    if (built.commit && built.path_template) {
      Bytes leaf_secret(cast.suite.hash_len(), static_cast<uint8_t>(m + 1));
      leaf_secret[1] = static_cast<uint8_t>(at.context.epoch);
      leaf_secret[2] = in.byte();
      try {
        add_path(cast, at, d, *built.path_template, leaf_secret);
      } catch (const Error&) {
        built.honest = false;  // the proposals cannot be applied: no path to make
      }
    }

    // Mutations after the path: the path itself, the framing, the sealing.
    for (size_t op = in.pick(9), n = 0; op != 0 && n < 6; op = in.pick(9), ++n) {
      switch (op) {
        case 1:
          if (auto* c = std::get_if<wire::Commit>(&d.content.content); c && c->path)
            mutate_path(in, cast, *c->path, at.context.group_id, d.content.sender.index);
          break;
        case 2: {
          const uint64_t choices[] = {d.content.epoch + 1, d.content.epoch - 1, 0, UINT64_MAX};
          d.content.epoch = choices[in.pick(4)];
          in.mark();
          break;
        }
        case 3: in.flip(d.content.group_id); break;
        case 4: d.wrong_signature = true, in.mark(); break;
        case 5: d.wrong_membership_tag = true, in.mark(); break;
        case 6: d.wrong_confirmation_tag = true, in.mark(); break;
        case 7: d.padding = in.pick(600), in.mark(); break;
        default: d.skipped_generations = static_cast<uint32_t>(in.pick(1100)), in.mark(); break;
      }
    }

    Sealed s;
    try {
      s = seal(cast, at, d);
    } catch (const Error&) {
      return 0;  // nothing a sender could send
    }
    const std::optional<wire::MlsMessage> message = on_the_wire(s.message);
    if (!message) return 0;
    sent.push_back(*message);

    Outcome out[2];
    for (int i = 0; i < 2; ++i)
      out[i] = deliver(receivers[i], *message);
    if (trace)
      std::fprintf(
          stderr, "message %zu kind %d %s%s%s%s: bob %s%s, dave %s%s\n", m, kind,
          in.mutated() ? "mutated" : "unmutated", built.honest ? "" : " (not honest)",
          s.forged ? " (forged)" : "", built.commit && !s.tag_known ? " (tag unknown)" : "",
          out[0].ok ? "accepts" : out[0].what.c_str(), removes_me(out[0]) ? " (removed)" : "",
          out[1].ok ? "accepts" : out[1].what.c_str(), removes_me(out[1]) ? " (removed)" : "");

    const bool honest = built.honest && !in.mutated() && !at.ended;
    for (int i = 0; i < 2; ++i) {
      const Receiver& r = receivers[i];
      const Outcome& o = out[i];
      if (!o.delivered) continue;
      if (honest && !r.impersonated && !o.ok)
        finding(std::string(r.name) + " refused an honest message: " + o.what);
      if (o.ok && s.forged && !removes_me(o))
        finding(std::string(r.name) + " accepted a message with a broken signature or tag");
      if (o.ok && built.commit && !s.tag_known && !removes_me(o))
        finding(std::string(r.name) + " accepted a commit whose tag cannot be right");
    }
    const bool both = out[0].delivered && out[1].delivered && !receivers[0].impersonated &&
                      !receivers[1].impersonated;
    // A member that a commit removes does not check its confirmation tag: without the path
    // secret it cannot compute the new epoch (the library stages such a commit as removes_me).
    if (both && out[0].ok != out[1].ok) {
      const Outcome& accepted = out[0].ok ? out[0] : out[1];
      const Outcome& refused = out[0].ok ? out[1] : out[0];
      if (!receiver_specific(refused.code) && !removes_me(accepted))
        finding(std::string("only one of bob and dave refused: ") + refused.what);
    }
    if (both && out[0].ok && out[1].ok) compare(out[0], out[1]);

    // Follow the members: a receiver that refused what the other accepted is left behind.
    const int reference = out[0].ok ? 0 : (out[1].ok ? 1 : -1);
    if (reference < 0) continue;
    for (int i = 0; i < 2; ++i)
      if (out[i].delivered && !out[i].ok) receivers[i].group.reset();
    const ProcessResult& result = *out[reference].result;
    if (const auto* p = std::get_if<ReceivedProposal>(&result)) {
      if (late) continue;
      const bool known = std::any_of(e.proposals.begin(), e.proposals.end(),
                                     [&](const CachedProposal& c) { return c.ref == p->ref; });
      if (!known) e.proposals.push_back(CachedProposal{p->ref, p->sender, p->proposal});
      continue;
    }
    if (!std::holds_alternative<StagedCommit>(result)) continue;
    for (int i = 0; i < 2; ++i) {
      if (!out[i].ok) continue;
      try {
        receivers[i].group->merge(std::get<StagedCommit>(*out[i].result));
      } catch (const Error& err) {
        finding(std::string(receivers[i].name) + " cannot merge what it staged: " + err.what());
      }
    }
    if (!s.next) return 0;  // both were removed: nobody left to follow
    for (Receiver& r : receivers)
      if (r.active() && r.group->epoch_authenticator() != s.next->secrets.epoch_authenticator)
        finding(std::string(r.name) + " and the shadow reached different epochs");
    previous = std::move(e);
    e = std::move(*s.next);
    if (!receivers[0].active() && !receivers[1].active()) return 0;
  }
  return 0;
}
