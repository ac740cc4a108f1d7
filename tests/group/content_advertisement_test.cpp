// Extensions draft §Content Advertisement in a group of three, every cipher suite: the
// GroupContext's content_media_types (required) and the members' (supported) in their
// app_data_dictionary, application_data framed as ApplicationFraming (§Framing of
// application_data), and the committer's refusal to add a client, or to require a type, that
// some member cannot receive.
#include <gtest/gtest.h>

#include "conclave/wire/app_data.h"
#include "conclave/wire/component.h"
#include "conclave/wire/media_type.h"
#include "negative_test_util.h"

namespace conclave::group_testing {
namespace {

using wire::MediaType;
using wire::MediaTypeList;

wire::ExtensionList dictionary_with(const MediaTypeList& types) {
  wire::AppDataDictionary d;
  wire::set_component(d, wire::component::kContentMediaTypes, codec::encode(types));
  return {wire::Extension{wire::ExtensionType::kAppDataDictionary, codec::encode(d)}};
}

// A client advertising `types` in its LeafNode (its KeyPackage's leaf).
KeyPackageOptions advertising(const MediaTypeList& types) {
  KeyPackageOptions o;
  o.leaf_extensions = dictionary_with(types);
  return o;
}

const MediaTypeList kRequired{{MediaType::of("text/plain"), MediaType::of("application/json")}};
const MediaTypeList kMore{
    {MediaType::of("application/json"), MediaType::of("image/png"), MediaType::of("text/plain")}};

class ContentAdvertisement : public NegativeGroupTest {
 protected:
  // Alice creates the group requiring kRequired; Bob and Carol advertise kMore.
  void SetUp() override {
    config_ = public_handshakes();
    alice = make_client(suite, "alice", advertising(kMore));
    bob = make_client(suite, "bob", advertising(kMore));
    carol = make_client(suite, "carol", advertising(kMore));
    CreateOptions create;
    create.config = config_;
    create.leaf = advertising(kMore);
    create.extensions = dictionary_with(kRequired);
    a.emplace(Group::create(provider, alice.identity, create, accept_any_policy()));
    const CommitOutput out =
        a->commit(adding({bob.key_package.key_package, carol.key_package.key_package}));
    a->merge_pending_commit();
    b.emplace(Group::join(provider, bob.identity, bob.key_package, *out.welcome, std::nullopt,
                          config_, accept_any_policy()));
    c.emplace(Group::join(provider, carol.identity, carol.key_package, *out.welcome, std::nullopt,
                          config_, accept_any_policy()));
  }
};

// §Framing of application_data: the data goes framed with its media type; an empty type means
// the group's first.
TEST_P(ContentAdvertisement, FramedApplicationData) {
  ASSERT_EQ(b->required_media_types(), kRequired);
  const auto json = a->protect_framed(MediaType::of("application/json"), from_hex("7b7d"));
  const auto got = std::get<ApplicationMessage>(b->process(over_the_wire(json)));
  const wire::ApplicationFraming f = b->unframe(got);
  EXPECT_EQ(f.media_type, MediaType::of("application/json"));
  EXPECT_EQ(f.inner_application_content, from_hex("7b7d"));
  const auto plain = a->protect_framed(MediaType{}, from_hex("6869"));
  const auto got2 = std::get<ApplicationMessage>(c->process(over_the_wire(plain)));
  EXPECT_EQ(c->unframe(got2).media_type, MediaType::of("text/plain"));
  // Unframed bytes are refused when read as a framing.
  const auto raw = a->protect(from_hex("ffff"));
  const auto got3 = std::get<ApplicationMessage>(b->process(over_the_wire(raw)));
  EXPECT_TRUE(rejects(ErrorCode::kApplicationFramingMalformed, [&] { b->unframe(got3); }));
}

// §Content Advertisement, Expected Behavior: "MLS clients SHOULD NOT add an MLS client ...
// unless all the members ... advertise support for all the required media types".
TEST_P(ContentAdvertisement, CommitterRefusesClientsLackingTypes) {
  // Dave supports app_data_dictionary (RFC 9420 §11.1 is met) but advertises no media type.
  KeyPackageOptions silent;
  silent.extension_types = {wire::ExtensionType::kAppDataDictionary};
  const Client none = make_client(suite, "dave", silent);
  EXPECT_TRUE(rejects_unchanged(*a, ErrorCode::kMediaTypeUnsupported,
                                [&] { a->commit(adding({none.key_package.key_package})); }));
  const Client partial =
      make_client(suite, "erin", advertising(MediaTypeList{{MediaType::of("text/plain")}}));
  EXPECT_TRUE(rejects_unchanged(*a, ErrorCode::kMediaTypeUnsupported,
                                [&] { a->commit(adding({partial.key_package.key_package})); }));
  const Client full = make_client(suite, "frank", advertising(kRequired));
  GenuineCommit g = genuine_commit(*a, adding({full.key_package.key_package}));
  expect_commit_accepted(*b, g.committer, g.out.commit);
}

// The same when the requirement changes: a type no member advertises cannot be required; one
// every member advertises can.
TEST_P(ContentAdvertisement, CommitterRefusesRequirementsMembersLack) {
  CommitOptions gce;
  gce.group_context_extensions = dictionary_with(MediaTypeList{{MediaType::of("video/mp4")}});
  EXPECT_TRUE(rejects_unchanged(*a, ErrorCode::kMediaTypeUnsupported, [&] { a->commit(gce); }));
  gce.group_context_extensions = dictionary_with(MediaTypeList{{MediaType::of("image/png")}});
  GenuineCommit g = genuine_commit(*a, gce);
  advance_all(g);
  EXPECT_EQ(c->required_media_types(), MediaTypeList{{MediaType::of("image/png")}});
}

// Without content_media_types the group does not frame its data.
TEST_P(ContentAdvertisement, NoFramingWithoutTheComponent) {
  NegativeGroupTest::build(public_handshakes());
  EXPECT_EQ(a->required_media_types(), std::nullopt);
  EXPECT_TRUE(rejects_unchanged(*a, ErrorCode::kInvalidArgument, [&] {
    a->protect_framed(MediaType::of("text/plain"), from_hex("00"));
  }));
}

INSTANTIATE_TEST_SUITE_P(AllSuites, ContentAdvertisement, ::testing::Range<uint16_t>(1, 8),
                         suite_name);

}  // namespace
}  // namespace conclave::group_testing
