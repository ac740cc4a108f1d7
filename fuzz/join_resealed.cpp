// libFuzzer target: Group::join from a Welcome whose content was mutated and then sealed again
// (issue 15; resealer.h), so that joining reaches the tree's validation and what follows it.
//
// alice's group (alice, bob, carol) adds erin and frank in one commit; three such Welcomes are
// kept: with an UpdatePath (a path secret for each joiner), without one (the new leaves stay
// unmerged in the parents above them), and with an external PSK. The harness opens each with
// the joiners' private keys (joiner secret, path secrets, GroupInfo), and per input mutates the
// GroupInfo (GroupContext, extensions, the ratchet tree, the signer), the GroupSecrets and the
// Welcome itself; then, as a committer holding the joiner secret could (§12.4.3.1), it puts the
// tree's hash into the GroupContext, recomputes the confirmation tag from the epoch secrets
// (§8, §6.1), signs the GroupInfo with the signer's key, encrypts it under the welcome key and
// encrypts each joiner's GroupSecrets to its KeyPackage again.
//
// A finding: a crash or sanitizer report; an exception other than conclave::Error; the
// unmutated Welcome refused (or joined into another epoch than alice's); a deliberately wrong
// confirmation tag or signature accepted; erin and frank disagreeing (one refuses for a reason
// that is not its own, or both join into different states: §12.4.3.1 gives every joiner the
// same epoch); a joined group that does not survive serialize() and deserialize().
#include <cstdio>
#include <cstdlib>
#include <optional>
#include <string>
#include <vector>

#include "conclave/schedule/detail/transcript_hash.h"
#include "conclave/schedule/detail/welcome.h"
#include "conclave/schedule/key_schedule.h"
#include "resealer.h"

namespace {

using namespace conclave_fuzz;

constexpr Person kJoiners[2] = {kErin, kFrank};

// What a Welcome holds, opened: the parts the harness mutates and seals again.
struct Opened {
  wire::GroupInfo info;
  SecretBytes joiner_secret;
  std::vector<wire::PreSharedKeyId> psks;
  std::optional<wire::PathSecret> path_secret[2];
  SecretBytes epoch_authenticator;  // alice's, once she merged the commit
};

struct Fixture {
  Cast cast;
  std::vector<Opened> welcomes;

  Fixture() {
    GroupConfig config;
    config.always_send_path = 0;  // so that a commit of Adds alone has no UpdatePath
    CreateOptions options;
    options.config = config;
    options.extensions = {cast.external_senders()};
    Group alice = Group::create(cast.provider, cast[kAlice], options, cast.policy());
    CommitOptions first;
    first.add = {cast.bundles[kBob].key_package, cast.bundles[kCarol].key_package};
    first.force_path = true;
    alice.commit(first);
    alice.merge_pending_commit();
    for (int variant = 0; variant < 3; ++variant) {
      Group committer = alice;
      CommitOptions add;
      add.add = {cast.bundles[kErin].key_package, cast.bundles[kFrank].key_package};
      add.force_path = variant != 1;
      if (variant == 2)
        add.psks = {wire::PreSharedKeyId::external(cast.psk_id, Bytes(cast.suite.hash_len(), 7))};
      const CommitOutput out = committer.commit(add);
      committer.merge_pending_commit();
      welcomes.push_back(open(*out.welcome->get<wire::Welcome>()));
      welcomes.back().epoch_authenticator = committer.epoch_authenticator();
    }
  }

  Opened open(const wire::Welcome& welcome) const {
    Opened o;
    for (int j = 0; j < 2; ++j) {
      const KeyPackageBundle& kp = cast.bundles[kJoiners[j]];
      const auto* entry = schedule::find_group_secrets(welcome, kp.ref(cast.suite));
      const wire::GroupSecrets secrets = schedule::decrypt_group_secrets(
          cast.suite, *entry, kp.init_private_key.view(), welcome.encrypted_group_info);
      o.joiner_secret = secrets.joiner_secret;
      o.psks = secrets.psks;
      o.path_secret[j] = secrets.path_secret;
    }
    const SecretBytes welcome_secret = schedule::derive_welcome_secret(
        cast.suite, o.joiner_secret.view(), psk_secret(o.psks).view());
    o.info = schedule::decrypt_group_info(cast.suite, welcome_secret.view(),
                                          welcome.encrypted_group_info);
    return o;
  }

  // §8.4 as the joiners compute it; a PSK they do not know counts as none (they refuse it).
  SecretBytes psk_secret(const std::vector<wire::PreSharedKeyId>& ids) const {
    try {
      return shadow_psk_secret(cast, ShadowEpoch(cast.suite), ids);
    } catch (const Error&) {
      return schedule::zero_secret(cast.suite);
    }
  }
};

struct Joined {
  bool ok = false;
  ErrorCode code{};
  std::string what;
  std::optional<Group> group;
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static Fixture fx;
  static const bool trace = std::getenv("CONCLAVE_FUZZ_TRACE") != nullptr;
  const Cast& cast = fx.cast;
  const crypto::Suite& suite = cast.suite;
  Choices in(data, size);
  Opened o = fx.welcomes[in.pick(fx.welcomes.size())];

  bool asymmetric = false;  // a joiner's own secrets or entry were changed
  bool forged = false;      // a wrong tag or signature was left in on purpose
  bool fix_hash = true, fix_tag = true;
  bool out_of_band = false;  // the tree travels beside the Welcome (§12.4.3.3)
  for (size_t op = in.pick(12), n = 0; op != 0 && n < 8; op = in.pick(12), ++n) {
    switch (op) {
      case 1:
      case 2:
      case 3: mutate_group_info(in, cast, o.info); break;
      case 4: in.mark(), o.joiner_secret = SecretBytes(in.bytes(40)); break;
      case 5: {
        // One joiner's path secret (§12.4.3.1): dropped, changed, swapped or made up.
        asymmetric = true;
        in.mark();
        auto& ps = o.path_secret[in.pick(2)];
        switch (in.pick(4)) {
          case 0: ps.reset(); break;
          case 1:
            if (ps && !ps->path_secret.empty()) ps->path_secret[0] ^= 1;
            break;
          case 2: std::swap(o.path_secret[0], o.path_secret[1]); break;
          default: ps = wire::PathSecret{SecretBytes(in.bytes(40))}; break;
        }
        break;
      }
      case 6: {
        in.mark();
        switch (in.pick(4)) {
          case 0:
            o.psks.push_back(wire::PreSharedKeyId::external(cast.psk_id, in.bytes(40)));
            break;
          case 1:
            o.psks.push_back(wire::PreSharedKeyId::external(in.bytes(8), Bytes(32, 1)));
            break;
          case 2:
            o.psks.push_back(wire::PreSharedKeyId::resumption(
                static_cast<wire::ResumptionPskUsage>(1 + in.pick(3)),
                o.info.group_context.group_id, in.pick(3), Bytes(32, 2)));
            break;
          default:
            if (!o.psks.empty()) o.psks.push_back(o.psks.front());
            break;
        }
        break;
      }
      case 7: in.mark(), fix_hash = false; break;
      case 8: in.mark(), fix_tag = false; break;
      case 9: in.mark(), out_of_band = true; break;
      case 10: mutate_encoding(in, o.info); break;
      default: break;  // 11: Welcome-level changes, after sealing
    }
  }

  // Seal again: tree hash, confirmation tag, signature, encryption (§12.4.3.1).
  std::optional<wire::RatchetTreeNodes> supplied;
  const std::optional<wire::RatchetTreeNodes> nodes = group_info_tree(o.info);
  if (fix_hash) fix_tree_hash(cast, o.info, nodes);
  const SecretBytes psk_secret = fx.psk_secret(o.psks);
  if (fix_tag && o.joiner_secret.size() == suite.hash_len()) {
    const auto epoch = schedule::derive_epoch_secrets(
        suite, o.joiner_secret.view(), psk_secret.view(), codec::encode(o.info.group_context));
    o.info.confirmation_tag = schedule::confirmation_tag(
        suite, epoch.confirmation_key.view(), o.info.group_context.confirmed_transcript_hash);
  }
  if (!fix_tag && !o.info.confirmation_tag.empty()) {
    o.info.confirmation_tag[0] ^= 1;  // once: the tag alice computed, now wrong for any context
    forged = true;
  }
  if (out_of_band) {
    supplied = nodes;
    std::erase_if(o.info.extensions, [](const wire::Extension& x) {
      return x.extension_type == wire::ExtensionType::kRatchetTree;
    });
  }
  try {
    sign_group_info_as_signer(cast, o.info, nodes, kAlice);
  } catch (const Error&) {
    return 0;
  }
  if (in.pick(8) == 1) {
    in.mark();
    forged = true;
    o.info.signature[0] ^= 1;
  }
  wire::Welcome welcome;
  welcome.cipher_suite = suite.id();
  try {
    if (o.joiner_secret.size() != suite.hash_len()) return 0;  // no welcome key to seal with
    const SecretBytes welcome_secret =
        schedule::derive_welcome_secret(suite, o.joiner_secret.view(), psk_secret.view());
    welcome.encrypted_group_info =
        schedule::encrypt_group_info(suite, welcome_secret.view(), o.info);
    for (int j = 0; j < 2; ++j) {
      wire::GroupSecrets secrets{o.joiner_secret, o.path_secret[j], o.psks};
      welcome.secrets.push_back(schedule::encrypt_group_secrets(
          suite, cast.bundles[kJoiners[j]].key_package, secrets, welcome.encrypted_group_info));
    }
  } catch (const Error&) {
    return 0;
  }
  // Welcome-level changes: its cipher suite, its entries.
  for (size_t op = in.pick(6), n = 0; op != 0 && n < 3; op = in.pick(6), ++n) {
    in.mark();
    switch (op) {
      case 1: welcome.cipher_suite = static_cast<uint16_t>(in.pick(9)); break;
      case 2:
        asymmetric = true;
        if (!welcome.secrets.empty())
          welcome.secrets.erase(welcome.secrets.begin() +
                                static_cast<long>(in.pick(welcome.secrets.size())));
        break;
      case 3:
        asymmetric = true;
        if (!welcome.secrets.empty())
          welcome.secrets.push_back(welcome.secrets[in.pick(welcome.secrets.size())]);
        break;
      case 4:
        if (!welcome.secrets.empty()) {
          asymmetric = true;
          in.flip(
              welcome.secrets[in.pick(welcome.secrets.size())].encrypted_group_secrets.ciphertext);
        }
        break;
      default: in.flip(welcome.encrypted_group_info); break;
    }
  }
  const auto message = on_the_wire(wire::MlsMessage{welcome});
  if (!message) return 0;

  Joined joined[2];
  for (int j = 0; j < 2; ++j) {
    const Person who = kJoiners[j];
    try {
      joined[j].group.emplace(Group::join(cast.provider, cast[who], cast.bundles[who], *message,
                                          supplied, GroupConfig{}, cast.policy()));
      joined[j].ok = true;
    } catch (const Error& e) {
      joined[j].code = e.code();
      joined[j].what = e.what();
    }
  }
  if (trace)
    std::fprintf(stderr, "%s%s%s: erin %s, frank %s\n", in.mutated() ? "mutated" : "unmutated",
                 forged ? " (forged)" : "", asymmetric ? " (asymmetric)" : "",
                 joined[0].ok ? "joins" : joined[0].what.c_str(),
                 joined[1].ok ? "joins" : joined[1].what.c_str());

  for (const Joined& j : joined) {
    if (!in.mutated() && !j.ok) finding("a joiner refused an honest Welcome: " + j.what);
    if (!in.mutated() && j.group->epoch_authenticator() != o.epoch_authenticator)
      finding("an honest Welcome joined another epoch than alice's");
    if (forged && j.ok) finding("a joiner accepted a wrong confirmation tag or signature");
  }
  if (joined[0].ok != joined[1].ok && !asymmetric) {
    const Joined& refused = joined[0].ok ? joined[1] : joined[0];
    if (!receiver_specific(refused.code) && refused.code != ErrorCode::kJoinerNotInTree)
      finding("only one of erin and frank refused: " + refused.what);
  }
  if (joined[0].ok && joined[1].ok) {
    const Group& a = *joined[0].group;
    const Group& b = *joined[1].group;
    if (!(a.context() == b.context()) || !(a.tree() == b.tree()) ||
        a.epoch_authenticator() != b.epoch_authenticator() ||
        a.export_secret("fuzz", {}, 32) != b.export_secret("fuzz", {}, 32))
      finding("erin and frank joined different group states");
  }
  // What a member does next, on whatever tree it accepted.
  for (Joined& j : joined) {
    if (!j.ok) continue;
    Group& g = *j.group;
    if (!(Group::deserialize(cast.provider, g.serialize().view(), cast.policy()) == g))
      finding("a joined group does not survive serialize() and deserialize()");
    try {
      g.protect(as_bytes("hello"));
      g.group_info();
      g.commit();
      g.merge_pending_commit();
    } catch (const Error&) {
    }
  }
  return 0;
}
