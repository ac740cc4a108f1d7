// RFC 9420 §12.4.1: creating a commit, with the GroupInfo and Welcome of its new epoch
// (§12.4.3); merging or discarding it once the Delivery Service answered.
#include <algorithm>
#include <exception>
#include <span>
#include <system_error>
#include <thread>

#include "conclave/base/detail/parallel.h"
#include "conclave/base/error.h"
#include "conclave/codec/codec.h"
#include "conclave/group/group.h"
#include "conclave/schedule/detail/transcript_hash.h"
#include "conclave/schedule/detail/welcome.h"
#include "conclave/schedule/key_schedule.h"
#include "conclave/tree/treekem.h"
#include "content_advertisement.h"
#include "proposal_checks.h"

namespace conclave {

using detail::check_added;
using detail::journaled;
using detail::validate_added_key_packages;

// --- creating a commit (§12.4.1) -----------------------------------------------------------------

namespace {

// Proposals copied by one thread at a time in a mass add: a KeyPackage copy takes about a
// microsecond, so a chunk is worth a claim.
constexpr size_t kCopiesPerChunk = 256;

// Threads beside the caller's that `max_threads` (as Group::max_threads() counts: the caller
// included, 0 = one per core) allows.
unsigned workers_beside_caller(unsigned max_threads) {
  const unsigned total =
      max_threads != 0 ? max_threads : std::max(std::thread::hardware_concurrency(), 1u);
  return total - 1;
}

// Proposals from which a commit undoes its tree changes on a thread of its own (run_beside):
// below, starting the thread costs about as much as it saves.
constexpr size_t kListForUndoBeside = 256;

// Runs `beside` on a thread of its own while this one runs `here`, when `threaded`; else one
// after the other. Either way both have run when it returns, and the first failure of
// `beside`, then of `here`, is rethrown.
template <class Beside, class Here>
void run_beside(bool threaded, Beside&& beside, Here&& here) {
  if (!threaded) {
    beside();
    here();
    return;
  }
  std::exception_ptr beside_failure;
  std::thread thread;
  try {
    thread = std::thread([&] {
      try {
        beside();
      } catch (...) {
        beside_failure = std::current_exception();
      }
    });
  } catch (const std::system_error&) {  // no thread to be had: one after the other
    beside();
    here();
    return;
  }
  std::exception_ptr here_failure;
  try {
    here();
  } catch (...) {
    here_failure = std::current_exception();
  }
  thread.join();
  if (beside_failure) std::rethrow_exception(beside_failure);
  if (here_failure) std::rethrow_exception(here_failure);
}

// Whether `a` and `b` name the same init keys in the same order (§12.4.3.1: what a Welcome's
// encapsulations were made to).
bool same_init_keys(std::span<const wire::KeyPackage* const> a,
                    std::span<const wire::KeyPackage* const> b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i)
    if (a[i]->init_key != b[i]->init_key) return false;
  return true;
}

}  // namespace

CommitOutput Group::commit(const CommitOptions& options) {
  if (!active_) throw Error(ErrorCode::kNotAMember, "removed from the group");
  check_not_reinitialized();
  if (pending_) throw Error(ErrorCode::kPendingCommit, "a commit is already pending");
  // The Welcome's encapsulations and KeyPackageRefs need only the validated KeyPackages: worker
  // threads make them while this one checks the list and builds the new epoch (§12.4.3.1;
  // RFC 9180 §5.1). They start on the new Adds as soon as those are verified, so that no core
  // waits while this one does the serial part; not before, where they would only slow down the
  // verification that everything after waits for.
  std::optional<schedule::WelcomePrecomputation> welcome_work;
  const unsigned workers = workers_beside_caller(max_threads());
  const auto start_welcome_work = [&] {
    if (workers == 0 || options.add.empty()) return;
    std::vector<const wire::KeyPackage*> joining;
    joining.reserve(options.add.size());
    for (const wire::KeyPackage& kp : options.add)
      joining.push_back(&kp);
    welcome_work.emplace(suite_, std::move(joining), workers);
  };
  CommitProposals proposals = commit_proposals(options, start_welcome_work);
  wire::Commit& commit = proposals.commit;
  const std::vector<ResolvedProposal>& list = proposals.list;
  if (workers > 0) {
    // Received Adds join the list before the new ones: then the work started above does not
    // cover every joiner in list order, and starts again on them all.
    std::vector<const wire::KeyPackage*> joining;
    for (const auto& rp : list)
      if (const auto* add = std::get_if<wire::Add>(&rp.proposal.content))
        joining.push_back(&add->key_package);
    if (!welcome_work || !same_init_keys(welcome_work->key_packages(), joining)) {
      welcome_work.reset();
      if (!joining.empty()) welcome_work.emplace(suite_, std::move(joining), workers);
    }
  }

  StagedCommit staged;
  staged.committer_ = own_leaf_;
  stamp(staged);
  bool needs_path = commit.proposals.empty() || config_.always_send_path || options.force_path;
  for (const auto& rp : list)
    needs_path = needs_path || requires_path(rp.proposal.proposal_type());

  wire::GroupContext next = context_;
  next.epoch = context_.epoch + 1;
  tree::TreeKemPrivate next_private = tree_private_;
  std::optional<tree::CreatedUpdatePath> created;
  CommitOutput output;
  std::optional<SignedContent> content;
  schedule::KeyScheduleResult ks;
  staged.journal_ = journaled(tree_, [&] {
    next.extensions = apply_proposals(list, staged);
    std::vector<tree::LeafIndex> joiners;
    for (const auto& a : staged.added_)
      joiners.push_back(a.leaf);
    SecretBytes commit_secret = schedule::zero_secret(suite_);
    if (needs_path) {
      wire::GroupContext provisional = next;
      provisional.confirmed_transcript_hash = context_.confirmed_transcript_hash;
      created = tree::create_update_path(tree_, next_private, *tree_.leaf(own_leaf_),
                                         signature_private_key_.view(), provisional, joiners,
                                         std::nullopt, max_threads());
      commit.path = created->path;
      commit_secret = std::move(created->commit_secret);
    }
    next_private.prune(tree_);
    next.tree_hash = tree_.tree_hash();

    // §12.4.1: sign with the old GroupContext, then the transcript, key schedule and tag. The
    // content is encoded once, for the signature, the transcript and the message.
    content = sign_content(handshake_wire_format(), std::move(commit), options.authenticated_data);
    wire::AuthenticatedContent& ac = content->content;
    next.confirmed_transcript_hash = schedule::confirmed_transcript_hash(
        suite_, interim_transcript_hash_, ac.wire_format, content->encoded, ac.auth.signature);
    ks = schedule::run_key_schedule(suite_, secrets_.init_secret.view(), commit_secret.view(),
                                    psk_secret(staged.psks_).view(), next);
    ac.auth.confirmation_tag = schedule::confirmation_tag(suite_, ks.epoch.confirmation_key.view(),
                                                          next.confirmed_transcript_hash);
    // A ReInit commit (alone in its commit, §12.2) ends the group: no joiner (§11.2).
    if (!staged.reinit_)
      new_epoch_info(options, staged, next, *ac.auth.confirmation_tag, ks, created,
                     welcome_work ? &*welcome_work : nullptr, output);
  });
  // Protected under the old epoch's keys (§12.4.1), and kept encoded for the echo, while the
  // tree goes back to this epoch (the commit is merged once the Delivery Service takes it).
  // Neither reads what the other writes: protect_content uses the secret tree and the epoch
  // secrets, never the ratchet tree. After a mass add both take long enough for a thread.
  Bytes pending_bytes;
  run_beside(
      workers > 0 && list.size() >= kListForUndoBeside, [&] { tree_.undo(staged.journal_); },
      [&] {
        output.commit = protect_content(*content);
        pending_bytes = codec::encode(output.commit);
      });
  staged.has_path_ = created.has_value();
  staged.tree_private_ = std::move(next_private);
  staged.context_ = std::move(next);
  staged.secrets_ = std::move(ks.epoch);
  staged.confirmation_tag_ = *content->content.auth.confirmation_tag;
  staged.interim_transcript_hash_ = schedule::interim_transcript_hash(
      suite_, staged.context_.confirmed_transcript_hash, staged.confirmation_tag_);
  staged.epoch_authenticator_ = staged.secrets_.epoch_authenticator;
  // Kept encoded: the echo is recognised by its bytes, also after a restart.
  pending_ = PendingCommit{std::move(staged), std::move(pending_bytes)};
  // Stored before the commit goes to the Delivery Service, so its echo merges after a restart.
  if (store_) changes_.pending = true;
  persist();
  return output;
}

Group::CommitProposals Group::commit_proposals(const CommitOptions& options,
                                               const std::function<void()>& validated) const {
  const wire::Sender me = wire::Sender::member(own_leaf_.value);
  // Proposals received this epoch, by reference, then the new ones by value. A received
  // proposal that would make the list invalid is left out (§12.4: include those that keep it
  // valid); own Updates are superseded by the commit's path.
  CommitProposals out;
  detail::ProposalListCheck check(tree_, own_leaf_);
  const auto try_add = [&](ResolvedProposal rp, wire::ProposalOrRef por) {
    try {
      check.add(rp.sender, rp.proposal, true);
    } catch (const Error&) {
      return;
    }
    out.list.push_back(std::move(rp));
    out.commit.proposals.push_back(std::move(por));
  };
  if (options.include_pending_proposals && !options.reinit) {
    // §12.2: for one leaf, prefer a Remove, else the most recent Update: Removes go first,
    // then Updates newest first, then the rest in arrival order. Extensions draft §SelfRemove
    // Proposal: a SelfRemove goes before them all, as a Remove of its leaf is then invalid.
    const auto removes = [](const CachedProposal& c) {
      return std::holds_alternative<wire::SelfRemove>(c.proposal.content) ||
             std::holds_alternative<wire::Remove>(c.proposal.content);
    };
    std::vector<const CachedProposal*> ordered;
    for (const auto& c : proposals_)
      if (std::holds_alternative<wire::SelfRemove>(c.proposal.content)) ordered.push_back(&c);
    for (const auto& c : proposals_)
      if (std::holds_alternative<wire::Remove>(c.proposal.content)) ordered.push_back(&c);
    for (auto c = proposals_.rbegin(); c != proposals_.rend(); ++c)
      if (std::holds_alternative<wire::Update>(c->proposal.content)) ordered.push_back(&*c);
    for (const auto& c : proposals_)
      if (!removes(c) && !std::holds_alternative<wire::Update>(c.proposal.content))
        ordered.push_back(&c);
    for (const CachedProposal* c : ordered) {
      if (c->sender == me && std::holds_alternative<wire::Update>(c->proposal.content)) continue;
      // §8.4, §12.4.2: a PSK this member cannot resolve would make its own commit fail; left
      // out, so a proposal naming an unknown PSK cannot keep everyone from committing.
      if (const auto* psk = std::get_if<wire::PreSharedKey>(&c->proposal.content);
          psk != nullptr && !find_psk(psk->psk))
        continue;
      try_add(ResolvedProposal{c->sender, c->proposal, c->ref}, wire::ProposalOrRef{c->ref});
    }
  }
  std::vector<wire::Proposal> by_value;
  if (options.group_context_extensions)
    by_value.push_back(
        wire::Proposal{wire::GroupContextExtensions{*options.group_context_extensions}});
  for (tree::LeafIndex l : options.remove)
    by_value.push_back(wire::Proposal{wire::Remove{l.value}});
  {
    // A mass add copies its KeyPackages twice (here, and into the list below): both copies
    // are split among the cores, so that only the floor's work is left to one thread.
    const size_t first = by_value.size();
    by_value.resize(first + options.add.size());
    parallel_chunks(
        options.add.size(), kCopiesPerChunk,
        [&](size_t begin, size_t end) {
          for (size_t i = begin; i < end; ++i)
            by_value[first + i] = wire::Proposal{wire::Add{options.add[i]}};
        },
        max_threads());
  }
  for (wire::PreSharedKeyId psk : options.psks) {
    // §8.4: each injection gets "a fresh random value of length KDF.Nh"; CommitOptions::psks
    // leaves it to us when empty, as propose_psk() does.
    if (psk.psk_nonce.empty()) psk.psk_nonce = suite_.random(suite_.hash_len());
    by_value.push_back(wire::Proposal{wire::PreSharedKey{std::move(psk)}});
  }
  if (options.reinit) {
    check_reinit_target(*options.reinit);
    by_value.push_back(wire::Proposal{*options.reinit});
  }
  for (const auto& custom : options.custom_proposals)
    by_value.push_back(wire::Proposal{custom});
  for (const auto& ephemeral : options.app_ephemerals)
    by_value.push_back(wire::Proposal{ephemeral});
  for (const auto& update : options.app_data_updates)
    by_value.push_back(wire::Proposal{update});
  {
    // Extensions draft §AppDataUpdate: the received AppDataUpdates that would make the list
    // invalid are left out, judged after the commit's GroupContextExtensions, so a by-value one
    // is put at the end of the list for the check (and taken off again).
    const bool gce = options.group_context_extensions.has_value();
    if (gce) {
      out.list.push_back(ResolvedProposal{me, by_value.front(), std::nullopt});
      out.commit.proposals.push_back(wire::ProposalOrRef{by_value.front()});
    }
    keep_valid_app_data_updates(out.list, out.commit);
    if (gce) {
      out.list.pop_back();
      out.commit.proposals.pop_back();
    }
  }
  std::vector<const wire::Proposal*> new_proposals;
  for (const auto& p : by_value)
    new_proposals.push_back(&p);
  const tree::LeafPolicy policy = leaf_policy(extensions_after(out.list, by_value));
  const auto add_failures =
      validate_added_key_packages(suite_, new_proposals, policy, max_threads());
  // A failure is reported by the loop below; the Welcome's work is not worth starting then.
  if (std::none_of(add_failures.begin(), add_failures.end(),
                   [](const std::exception_ptr& failure) { return failure != nullptr; }))
    validated();
  std::vector<wire::Proposal> listed(by_value.size());
  parallel_chunks(
      by_value.size(), kCopiesPerChunk,
      [&](size_t begin, size_t end) {
        const auto offset = [](size_t i) { return static_cast<std::ptrdiff_t>(i); };
        std::copy(by_value.begin() + offset(begin), by_value.begin() + offset(end),
                  listed.begin() + offset(begin));
      },
      max_threads());
  out.list.reserve(out.list.size() + by_value.size());
  out.commit.proposals.reserve(out.commit.proposals.size() + by_value.size());
  for (size_t i = 0; i < by_value.size(); ++i) {
    wire::Proposal& p = by_value[i];
    if (const auto* add = std::get_if<wire::Add>(&p.content))
      check_added(*add, add_failures[i], policy);
    else
      check_proposal(me, p);
    check.add(me, p, false);
    out.list.push_back(ResolvedProposal{me, std::move(listed[i]), std::nullopt});
    out.commit.proposals.push_back(wire::ProposalOrRef{std::move(p)});
  }
  check.finish();
  // extensions draft §Content Advertisement: the members of the new epoch can all receive
  // the media types it requires.
  std::vector<const wire::LeafNode*> added;
  std::vector<uint32_t> removed;
  for (const auto& r : out.list) {
    if (const auto* add = std::get_if<wire::Add>(&r.proposal.content))
      added.push_back(&add->key_package.leaf_node);
    else if (const auto* remove = std::get_if<wire::Remove>(&r.proposal.content))
      removed.push_back(remove->removed);
  }
  detail::check_media_type_support(policy.group_context_extensions, context_.extensions, tree_,
                                   added, removed);
  return out;
}

void Group::new_epoch_info(const CommitOptions& options, const StagedCommit& staged,
                           const wire::GroupContext& next, const wire::Mac& confirmation_tag,
                           const schedule::KeyScheduleResult& ks,
                           const std::optional<tree::CreatedUpdatePath>& created,
                           schedule::WelcomePrecomputation* welcome_work,
                           CommitOutput& output) const {
  wire::GroupInfo info;
  info.group_context = next;
  info.confirmation_tag = confirmation_tag;
  info.signer = own_leaf_.value;
  info.extensions.push_back(
      wire::Extension{wire::ExtensionType::kExternalPub,
                      codec::encode(wire::ExternalPub{schedule::derive_external_key_pair(
                                                          suite_, ks.epoch.external_secret.view())
                                                          .public_key})});
  // The returned GroupInfo leaves the tree out: encoding it is O(group size), and
  // group_info() gives one with the tree once the commit is merged.
  schedule::sign_group_info(suite_, info, signature_private_key_.view());
  if (!staged.added_.empty()) {
    wire::Welcome welcome;
    welcome.cipher_suite = suite_.id();
    wire::GroupInfo welcome_info = info;
    if (options.ratchet_tree_in_welcome.value_or(config_.ratchet_tree_in_welcome != 0)) {
      welcome_info.extensions.push_back(
          wire::Extension{wire::ExtensionType::kRatchetTree, tree_.encoded_nodes()});
      schedule::sign_group_info(suite_, welcome_info, signature_private_key_.view());
    } else {
      output.ratchet_tree = tree_.to_nodes();  // the new epoch's: tree_ is inside the journal
    }
    welcome.encrypted_group_info =
        schedule::encrypt_group_info(suite_, ks.welcome_secret.view(), welcome_info);
    // One batch: the encrypted GroupInfo is every encryption's context, hashed once.
    std::vector<const wire::KeyPackage*> key_packages;
    std::vector<wire::GroupSecrets> group_secrets;
    for (const auto& added : staged.added_) {
      wire::GroupSecrets secrets;
      secrets.joiner_secret = ks.joiner_secret;
      secrets.psks = staged.psks_;
      if (created) {
        if (const SecretBytes* ps = created->path_secret_for(own_leaf_, added.leaf))
          secrets.path_secret = wire::PathSecret{*ps};
      }
      key_packages.push_back(&added.key_package);
      group_secrets.push_back(std::move(secrets));
    }
    // The precomputation covers the Adds in list order, which is the order of added_ (§12.3).
    std::optional<schedule::WelcomePrecomputation::Result> precomputed;
    if (welcome_work != nullptr && same_init_keys(welcome_work->key_packages(), key_packages))
      precomputed = welcome_work->finish();  // else not the same joiners: encapsulate afresh
    welcome.secrets = schedule::encrypt_group_secrets_many(
        suite_, key_packages, group_secrets, welcome.encrypted_group_info, max_threads(),
        precomputed ? &*precomputed : nullptr);
    output.welcome = wire::MlsMessage{std::move(welcome)};
  }
  if (options.ratchet_tree_in_group_info) {
    info.extensions.push_back(
        wire::Extension{wire::ExtensionType::kRatchetTree, tree_.encoded_nodes()});
    schedule::sign_group_info(suite_, info, signature_private_key_.view());
  }
  output.group_info = wire::MlsMessage{std::move(info)};
}

void Group::merge_pending_commit() {
  if (!pending_) throw Error(ErrorCode::kNoPendingCommit, "no commit is pending");
  check_staged(pending_->staged);  // before it is moved out: a refusal changes nothing
  StagedCommit staged = std::move(pending_->staged);
  pending_.reset();
  apply_staged(std::move(staged));
  persist();
}

void Group::discard_pending_commit() {
  if (!pending_) throw Error(ErrorCode::kNoPendingCommit, "no commit is pending");
  pending_.reset();
  if (store_) changes_.pending = true;
  persist();
}

}  // namespace conclave
