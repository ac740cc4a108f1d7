// Extensions draft §Negotiating Extensions and Components, §Attaching Application Data and
// §GREASE in a group of three, every cipher suite: wire formats (supported_wire_formats,
// required_wire_formats) and components (app_components, safe_aad) a GroupContext requires
// must be supported by every leaf, on Add, Update, Commit, external join and Welcome, and by
// every member when a GroupContextExtensions proposal adds a requirement; leaves this library
// makes advertise app_components and carry GREASE, which receivers ignore. Each refusal is a
// typed error that leaves the receiver as it was.
#include <gtest/gtest.h>

#include <algorithm>

#include "conclave/schedule/detail/welcome.h"
#include "conclave/tree/negotiation.h"
#include "conclave/wire/app_data.h"
#include "conclave/wire/component.h"
#include "negative_test_util.h"

namespace conclave::group_testing {
namespace {

using wire::ComponentId;
using wire::ExtensionType;
namespace component = wire::component;

constexpr uint16_t kFormat = 0xF00D;  // a private-use wire format: "non-default"
constexpr ComponentId kChess = 0x8001;
constexpr ComponentId kPoll = 0x8002;
constexpr ComponentId kDraw = 0x8003;

wire::Extension formats_extension(ExtensionType type, std::vector<uint16_t> formats) {
  return wire::Extension{type, codec::encode(wire::WireFormats{std::move(formats)})};
}

wire::Extension dictionary_extension(std::optional<std::vector<ComponentId>> app_components,
                                     std::optional<std::vector<ComponentId>> safe_aad) {
  wire::AppDataDictionary d;
  if (app_components)
    wire::set_component(d, component::kAppComponents,
                        codec::encode(wire::ComponentsList{*app_components}));
  if (safe_aad)
    wire::set_component(d, component::kSafeAad, codec::encode(wire::ComponentsList{*safe_aad}));
  return wire::Extension{ExtensionType::kAppDataDictionary, codec::encode(d)};
}

// A client supporting kChess in app_components and, when `full`, kDraw, kFormat and kPoll
// (safe_aad) too. Every client lists required_wire_formats, so RFC 9420 §11.1 alone never refuses
// it.
KeyPackageOptions supporting(bool full) {
  KeyPackageOptions o;
  o.extension_types = {ExtensionType::kRequiredWireFormats};
  if (full) {
    o.leaf_extensions = {formats_extension(ExtensionType::kSupportedWireFormats, {kFormat}),
                         dictionary_extension(std::vector<ComponentId>{kChess, kDraw},
                                              std::vector<ComponentId>{kPoll})};
  } else {
    o.leaf_extensions = {dictionary_extension(std::vector<ComponentId>{kChess}, std::nullopt)};
  }
  return o;
}

CommitOptions requiring(wire::ExtensionList extensions) {
  CommitOptions o;
  o.group_context_extensions = std::move(extensions);
  return o;
}

std::vector<ComponentId> components_of(const wire::LeafNode& leaf, ComponentId list) {
  const auto l = tree::components_of(leaf.extensions, list);
  return l ? l->component_ids : std::vector<ComponentId>{};
}

size_t grease_count(const std::vector<ComponentId>& ids) {
  return static_cast<size_t>(std::count_if(ids.begin(), ids.end(), component::is_grease));
}

wire::AppDataDictionary leaf_dictionary(const wire::ExtensionList& extensions) {
  const auto* ext = wire::find_extension(extensions, ExtensionType::kAppDataDictionary);
  return ext ? wire::decode_app_data_dictionary(ext->extension_data) : wire::AppDataDictionary{};
}

class Negotiation : public NegativeGroupTest {
 protected:
  // Alice and Bob support everything below; Carol only kChess.
  void SetUp() override {
    config_ = public_handshakes();
    alice = make_client(suite, "alice", supporting(true));
    bob = make_client(suite, "bob", supporting(true));
    carol = make_client(suite, "carol", supporting(false));
    CreateOptions create;
    create.config = config_;
    create.leaf = supporting(true);
    a.emplace(Group::create(provider, alice.identity, create, accept_any_policy()));
    const CommitOutput out =
        a->commit(adding({bob.key_package.key_package, carol.key_package.key_package}));
    a->merge_pending_commit();
    b.emplace(Group::join(provider, bob.identity, bob.key_package, *out.welcome, std::nullopt,
                          config_, accept_any_policy()));
    c.emplace(Group::join(provider, carol.identity, carol.key_package, *out.welcome, std::nullopt,
                          config_, accept_any_policy()));
  }

  // Alice's own commit() refuses `options` with `code`; Bob refuses her genuine commit with its
  // proposal list replaced by `proposals` with `code` too. Both stay as they were.
  void expect_refused_both_sides(const CommitOptions& options,
                                 std::vector<wire::ProposalOrRef> proposals, ErrorCode code) {
    EXPECT_TRUE(rejects_unchanged(*a, code, [&] { a->commit(options); }));
    auto g = genuine_commit(*a);
    const auto forged = g.forger.reseal_commit(
        g.out.commit, [&](wire::Commit& commit) { commit.proposals = proposals; });
    EXPECT_TRUE(rejects_unchanged(*b, code, [&] { b->process(forged); }));
  }

  // Requires kFormat, kChess and kDraw after removing Carol, who lacks two of them.
  // (Not kPoll: safe_aad in the GroupContext would make every authenticated_data a SafeAAD.)
  void require_all_without_carol() {
    CommitOptions o =
        requiring({formats_extension(ExtensionType::kRequiredWireFormats, {kFormat}),
                   dictionary_extension(std::vector<ComponentId>{kChess, kDraw}, std::nullopt)});
    o.remove = {c->own_leaf()};
    GenuineCommit g = genuine_commit(*a, o);
    expect_commit_accepted(*b, g.committer, g.out.commit);
    a.emplace(std::move(g.committer));
  }

  // A KeyPackage changed by `mutate` (its leaf, then the package) and signed again.
  wire::KeyPackage tampered(const Client& client,
                            const std::function<void(wire::KeyPackage&)>& mutate) const {
    wire::KeyPackage kp = client.key_package.key_package;
    mutate(kp);
    sign_key_package_leaf(suite, kp.leaf_node, client.identity.signature_private_key.view());
    sign_key_package(suite, kp, client.identity.signature_private_key.view());
    return kp;
  }
};

// §Attaching Application Data ("MUST understand and advertise the app_components component")
// and §GREASE ("A random selection of GREASE values SHOULD be included"): every leaf the library
// made lists app_components, safe_aad and its own components, sorted, with one GREASE id in each
// list and one GREASE entry in the dictionary; other members accepted them all.
TEST_P(Negotiation, LeavesAdvertiseAppComponentsWithGrease) {
  for (const Group* g : {&*a, &*b, &*c}) {
    for (tree::LeafIndex l : g->tree().members()) {
      const wire::LeafNode& leaf = *g->tree().leaf(l);
      const auto app = components_of(leaf, component::kAppComponents);
      EXPECT_TRUE(std::is_sorted(app.begin(), app.end()));
      for (ComponentId id : {component::kAppComponents, component::kSafeAad, kChess})
        EXPECT_NE(std::find(app.begin(), app.end(), id), app.end()) << id;
      EXPECT_EQ(grease_count(app), 1u);
      const auto dictionary = leaf_dictionary(leaf.extensions);
      EXPECT_EQ(std::count_if(dictionary.component_data.begin(), dictionary.component_data.end(),
                              [](const auto& e) { return component::is_grease(e.component_id); }),
                1);
      const auto safe = components_of(leaf, component::kSafeAad);
      EXPECT_EQ(grease_count(safe), l == c->own_leaf() ? 0u : 1u);
    }
  }
  // Without GREASE: exactly what the client supports.
  KeyPackageOptions plain = supporting(false);
  plain.grease = false;
  const Client dave = make_client(suite, "dave", plain);
  EXPECT_EQ(components_of(dave.key_package.key_package.leaf_node, component::kAppComponents),
            (std::vector<ComponentId>{component::kAppComponents, component::kSafeAad, kChess}));
  // A client that only lists app_data_dictionary in its capabilities gets the dictionary too.
  KeyPackageOptions bare;
  bare.extension_types = {ExtensionType::kAppDataDictionary};
  bare.grease = false;
  const Client erin = make_client(suite, "erin", bare);
  EXPECT_EQ(components_of(erin.key_package.key_package.leaf_node, component::kAppComponents),
            (std::vector<ComponentId>{component::kAppComponents, component::kSafeAad}));
}

// §GREASE: "Unknown values (including GREASE values) in any of these fields MUST be ignored by
// receivers": a KeyPackage whose own dictionary carries GREASE (next to last_resort_key_package)
// is added and joins, and a GroupInfo with a dictionary of GREASE entries is joined from.
TEST_P(Negotiation, GreaseInKeyPackageAndGroupInfoIsIgnored) {
  KeyPackageOptions o = supporting(true);
  o.last_resort_component = true;
  const Client dave = make_client(suite, "dave", o);
  const auto kp_dictionary = leaf_dictionary(dave.key_package.key_package.extensions);
  EXPECT_EQ(kp_dictionary.component_data.size(), 2u);
  EXPECT_TRUE(is_last_resort(dave.key_package.key_package));
  GenuineCommit g = genuine_commit(*a, adding({dave.key_package.key_package}));
  expect_commit_accepted(*b, g.committer, g.out.commit);
  const Group d = Group::join(provider, dave.identity, dave.key_package, *g.out.welcome,
                              g.out.ratchet_tree, config_, accept_any_policy());
  EXPECT_EQ(d.epoch_authenticator(), b->epoch_authenticator());

  // A GroupInfo of Bob's with a GREASE-only app_data_dictionary, signed by him.
  wire::MlsMessage message = b->group_info(true);
  auto& info = std::get<wire::GroupInfo>(message.body);
  wire::AppDataDictionary grease;
  wire::set_component(grease, 0x0A0A, suite.random(7));
  wire::set_component(grease, 0x6A6A, {});
  info.extensions.push_back(
      wire::Extension{ExtensionType::kAppDataDictionary, codec::encode(grease)});
  schedule::sign_group_info(suite, info, bob.identity.signature_private_key.view());
  const Client erin = make_client(suite, "erin", supporting(true));
  ExternalJoinOptions join;
  join.config = config_;
  join.leaf = supporting(true);
  ExternalJoin joined = Group::join_external(provider, erin.identity, over_the_wire(message), join,
                                             accept_any_policy());
  ProcessResult result = b->process(over_the_wire(joined.commit));
  ASSERT_TRUE(std::holds_alternative<StagedCommit>(result));
  b->merge(std::get<StagedCommit>(std::move(result)));
  EXPECT_EQ(b->epoch_authenticator(), joined.group.epoch_authenticator());
}

// §Negotiating Extensions and Components: a GroupContextExtensions proposal may not require a
// wire format a remaining member lacks (RFC 9420 §12.1.7, as for required_capabilities); the
// committer refuses it and so does every receiver. Removing that member in the same commit
// makes it valid.
TEST_P(Negotiation, RequiredWireFormatMustBeSupportedByEveryMember) {
  const wire::ExtensionList format{
      formats_extension(ExtensionType::kRequiredWireFormats, {kFormat})};
  expect_refused_both_sides(
      requiring(format),
      {wire::ProposalOrRef{wire::Proposal{wire::GroupContextExtensions{format}}}},
      ErrorCode::kRequiredWireFormatUnsupported);
  // RFC 9420's own wire formats are supported by everyone, Carol included.
  GenuineCommit g = genuine_commit(
      *a, requiring({formats_extension(ExtensionType::kRequiredWireFormats, {1, 2, 3, 4, 5})}));
  advance_all(g);
  CommitOptions o = requiring(format);
  o.remove = {c->own_leaf()};
  GenuineCommit without_carol = genuine_commit(*a, o);
  expect_commit_accepted(*b, without_carol.committer, without_carol.out.commit);
  EXPECT_EQ(b->context().extensions, format);
}

// The same for components: app_components every member lists is accepted; a safe_aad component
// Carol lacks is refused on both sides.
TEST_P(Negotiation, RequiredComponentsMustBeSupportedByEveryMember) {
  const wire::ExtensionList safe{
      dictionary_extension(std::nullopt, std::vector<ComponentId>{kPoll})};
  expect_refused_both_sides(
      requiring(safe), {wire::ProposalOrRef{wire::Proposal{wire::GroupContextExtensions{safe}}}},
      ErrorCode::kRequiredComponentUnsupported);
  const wire::ExtensionList more{
      dictionary_extension(std::vector<ComponentId>{kChess, 0x8003}, std::nullopt)};
  expect_refused_both_sides(
      requiring(more), {wire::ProposalOrRef{wire::Proposal{wire::GroupContextExtensions{more}}}},
      ErrorCode::kRequiredComponentUnsupported);
  const wire::ExtensionList chess{dictionary_extension(
      std::vector<ComponentId>{kChess, component::kAppComponents}, std::nullopt)};
  GenuineCommit g = genuine_commit(*a, requiring(chess));
  advance_all(g);
  EXPECT_EQ(c->context().extensions, chess);
}

// §GREASE (RFC 9420 §13.5: no GREASE in the GroupContext): a GREASE id never counts as a
// required component or wire format, even one that every member happens to list; the creator,
// the committer and the receivers refuse it.
TEST_P(Negotiation, GreaseIsNeverRequired) {
  const wire::ExtensionList cases[] = {
      {dictionary_extension(std::vector<ComponentId>{kChess, 0x1A1A}, std::nullopt)},
      {dictionary_extension(std::nullopt, std::vector<ComponentId>{0x7A7A})},
      {formats_extension(ExtensionType::kRequiredWireFormats, {0x0A0A})}};
  for (const auto& extensions : cases)
    expect_refused_both_sides(
        requiring(extensions),
        {wire::ProposalOrRef{wire::Proposal{wire::GroupContextExtensions{extensions}}}},
        ErrorCode::kGreaseRequired);
  CreateOptions create;
  create.config = config_;
  create.leaf = supporting(true);
  create.extensions = cases[0];
  EXPECT_TRUE(rejects(ErrorCode::kGreaseRequired, [&] {
    Group::create(provider, alice.identity, create, accept_any_policy());
  }));
}

// The creator's own leaf meets the group's requirements (RFC 9420 §11, as for
// required_capabilities): one that lacks them creates nothing.
TEST_P(Negotiation, CreatorMustSupportRequirements) {
  CreateOptions create;
  create.config = config_;
  create.leaf = supporting(false);
  create.extensions = {formats_extension(ExtensionType::kRequiredWireFormats, {kFormat})};
  EXPECT_TRUE(rejects(ErrorCode::kRequiredWireFormatUnsupported, [&] {
    Group::create(provider, alice.identity, create, accept_any_policy());
  }));
  create.extensions = {dictionary_extension(std::vector<ComponentId>{0x8009}, std::nullopt)};
  EXPECT_TRUE(rejects(ErrorCode::kRequiredComponentUnsupported, [&] {
    Group::create(provider, alice.identity, create, accept_any_policy());
  }));
  create.leaf = supporting(true);
  create.extensions = {formats_extension(ExtensionType::kRequiredWireFormats, {kFormat}),
                       dictionary_extension(std::vector<ComponentId>{kChess}, std::nullopt)};
  EXPECT_NO_THROW(Group::create(provider, alice.identity, create, accept_any_policy()));
}

// Add (RFC 9420 §12.1.1 via §7.3 / §10.1, as for required_capabilities): once the group
// requires them, a KeyPackage lacking the wire format or a component is refused by the
// committer and, proposed by a member, by the receiver; a supporting one is added and joins.
TEST_P(Negotiation, AddNeedsRequiredSupport) {
  require_all_without_carol();
  const Client partial = make_client(suite, "dave", supporting(false));
  EXPECT_TRUE(rejects_unchanged(*a, ErrorCode::kRequiredWireFormatUnsupported,
                                [&] { a->commit(adding({partial.key_package.key_package})); }));
  const Forger bob_forger(suite, *b);
  const auto proposal =
      bob_forger.propose(wire::Proposal{wire::Add{partial.key_package.key_package}});
  EXPECT_TRUE(rejects_unchanged(*a, ErrorCode::kRequiredWireFormatUnsupported,
                                [&] { a->process(proposal); }));
  // The wire format but not kDraw in app_components.
  const Client full = make_client(suite, "erin", supporting(true));
  const wire::KeyPackage no_draw = tampered(full, [](wire::KeyPackage& kp) {
    auto dictionary = leaf_dictionary(kp.leaf_node.extensions);
    wire::set_component(dictionary, component::kAppComponents,
                        codec::encode(wire::ComponentsList{{component::kAppComponents, kChess}}));
    for (auto& e : kp.leaf_node.extensions)
      if (e.extension_type == ExtensionType::kAppDataDictionary)
        e.extension_data = codec::encode(dictionary);
  });
  EXPECT_TRUE(rejects_unchanged(*a, ErrorCode::kRequiredComponentUnsupported,
                                [&] { a->commit(adding({no_draw})); }));
  EXPECT_TRUE(rejects_unchanged(*a, ErrorCode::kRequiredComponentUnsupported, [&] {
    a->process(bob_forger.propose(wire::Proposal{wire::Add{no_draw}}));
  }));
  GenuineCommit g = genuine_commit(*a, adding({full.key_package.key_package}));
  expect_commit_accepted(*b, g.committer, g.out.commit);
  const Group e = Group::join(provider, full.identity, full.key_package, *g.out.welcome,
                              g.out.ratchet_tree, config_, accept_any_policy());
  EXPECT_EQ(e.epoch_authenticator(), b->epoch_authenticator());
}

// A member may not drop a required component in an Update or its commit's path leaf (§7.3),
// and an external joiner's leaf must support the requirements too.
TEST_P(Negotiation, UpdateCommitAndExternalJoinNeedRequiredSupport) {
  require_all_without_carol();
  const Forger bob_forger(suite, *b);
  wire::LeafNode leaf = *b->tree().leaf(b->own_leaf());
  leaf.encryption_key = suite.generate_hpke_key_pair().public_key;
  leaf.leaf_node_source = wire::LeafNodeSource::kUpdate;
  leaf.lifetime = {};
  leaf.parent_hash.clear();
  leaf.extensions = {formats_extension(ExtensionType::kSupportedWireFormats, {kFormat}),
                     dictionary_extension(std::vector<ComponentId>{component::kAppComponents},
                                          std::vector<ComponentId>{kPoll})};
  bob_forger.sign_leaf(leaf);
  EXPECT_TRUE(rejects_unchanged(*a, ErrorCode::kRequiredComponentUnsupported, [&] {
    a->process(bob_forger.propose(wire::Proposal{wire::Update{leaf}}));
  }));
  // Alice's commit with a path whose leaf no longer supports kFormat.
  GenuineCommit g = genuine_commit(*a, with_path());
  const auto forged = g.forger.reseal_commit(g.out.commit, [&](wire::Commit& commit) {
    wire::LeafNode& path_leaf = commit.path->leaf_node;
    std::erase_if(path_leaf.extensions, [](const wire::Extension& e) {
      return e.extension_type == ExtensionType::kSupportedWireFormats;
    });
    g.forger.sign_leaf(path_leaf);
  });
  EXPECT_TRUE(rejects_unchanged(*b, ErrorCode::kRequiredWireFormatUnsupported,
                                [&] { b->process(forged); }));
  expect_commit_accepted(*b, g.committer, g.out.commit);
  a.emplace(std::move(g.committer));
  // An external joiner lacking kDraw: Bob refuses its commit.
  const Client frank = make_client(suite, "frank");
  ExternalJoinOptions join;
  join.config = config_;
  join.leaf = supporting(true);
  join.leaf.leaf_extensions[1] =
      dictionary_extension(std::vector<ComponentId>{kChess}, std::vector<ComponentId>{kPoll});
  const auto outcome = outcome_of([&] {
    ExternalJoin joined = Group::join_external(provider, frank.identity, a->group_info(true), join,
                                               accept_any_policy());
    EXPECT_TRUE(rejects_unchanged(*b, ErrorCode::kRequiredComponentUnsupported,
                                  [&] { b->process(over_the_wire(joined.commit)); }));
  });
  // The joiner may refuse its own leaf first; either way nobody accepts it.
  EXPECT_TRUE(!outcome.threw || outcome.code == ErrorCode::kRequiredComponentUnsupported)
      << outcome.what;
}

// §Attaching Application Data: a KeyPackage whose leaf lists app_data_dictionary in its
// capabilities without advertising app_components is refused (kAppComponentsMissing) by the
// committer and by a receiver of its Add proposal.
TEST_P(Negotiation, AppComponentsMustBeAdvertised) {
  const Client dave = make_client(suite, "dave", supporting(true));
  const wire::KeyPackage silent = tampered(dave, [](wire::KeyPackage& kp) {
    auto dictionary = leaf_dictionary(kp.leaf_node.extensions);
    wire::erase_component(dictionary, component::kAppComponents);
    for (auto& e : kp.leaf_node.extensions)
      if (e.extension_type == ExtensionType::kAppDataDictionary)
        e.extension_data = codec::encode(dictionary);
  });
  EXPECT_TRUE(rejects_unchanged(*a, ErrorCode::kAppComponentsMissing,
                                [&] { a->commit(adding({silent})); }));
  const Forger bob_forger(suite, *b);
  EXPECT_TRUE(rejects_unchanged(*a, ErrorCode::kAppComponentsMissing, [&] {
    a->process(bob_forger.propose(wire::Proposal{wire::Add{silent}}));
  }));
  GenuineCommit g = genuine_commit(*a, adding({dave.key_package.key_package}));
  expect_commit_accepted(*b, g.committer, g.out.commit);
}

INSTANTIATE_TEST_SUITE_P(AllSuites, Negotiation, ::testing::Range<uint16_t>(1, 8), suite_name);

}  // namespace
}  // namespace conclave::group_testing
