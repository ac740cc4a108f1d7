// messages and transcript-hashes vectors (test-vectors README).
#include <string>

#include "conclave/codec/codec.h"
#include "conclave/crypto/suite.h"
#include "conclave/schedule/detail/transcript_hash.h"
#include "conclave/wire/commit.h"
#include "conclave/wire/framing.h"
#include "conclave/wire/leaf_node.h"
#include "conclave/wire/message.h"
#include "conclave/wire/proposal.h"
#include "conclave/wire/welcome.h"
#include "vectors/checks.h"

namespace conclave::vectors {

namespace {

// Decodes the field as a top-level T, re-encodes it, and requires the identical bytes.
template <class T>
T round_trip(const Json& c, const char* key) {
  const Bytes encoded = hex_field(c, key);
  T value;
  try {
    value = codec::decode<T>(encoded);
  } catch (const std::exception& e) {
    throw CheckFailure(std::string(key) + ": " + e.what());
  }
  expect_bytes(key, codec::encode(value), encoded);
  return value;
}

void expect_message(const Json& c, const char* key, wire::WireFormat format) {
  const auto message = round_trip<wire::MlsMessage>(c, key);
  expect_true((std::string(key) + ": wire format").c_str(), message.wire_format() == format);
}

void expect_public(const Json& c, const char* key, wire::ContentType type) {
  const auto message = round_trip<wire::MlsMessage>(c, key);
  const auto* pub = message.get<wire::PublicMessage>();
  expect_true((std::string(key) + ": a PublicMessage").c_str(), pub != nullptr);
  expect_true((std::string(key) + ": content type").c_str(), pub->content.content_type() == type);
}

}  // namespace

void check_messages(const Json& c, const CheckContext&) {
  using namespace conclave::wire;
  expect_message(c, "mls_welcome", WireFormat::kWelcome);
  expect_message(c, "mls_group_info", WireFormat::kGroupInfo);
  expect_message(c, "mls_key_package", WireFormat::kKeyPackage);
  round_trip<RatchetTreeNodes>(c, "ratchet_tree");
  round_trip<GroupSecrets>(c, "group_secrets");
  round_trip<Add>(c, "add_proposal");
  round_trip<Update>(c, "update_proposal");
  round_trip<Remove>(c, "remove_proposal");
  round_trip<PreSharedKey>(c, "pre_shared_key_proposal");
  round_trip<ReInit>(c, "re_init_proposal");
  round_trip<ExternalInit>(c, "external_init_proposal");
  round_trip<GroupContextExtensions>(c, "group_context_extensions_proposal");
  round_trip<Commit>(c, "commit");
  expect_public(c, "public_message_application", ContentType::kApplication);
  expect_public(c, "public_message_proposal", ContentType::kProposal);
  expect_public(c, "public_message_commit", ContentType::kCommit);
  expect_message(c, "private_message", WireFormat::kPrivateMessage);
}

void check_transcript_hashes(const Json& c, const CheckContext& ctx) {
  const crypto::Suite suite(ctx.provider, uint_field<uint16_t>(c, "cipher_suite"));
  const auto content = round_trip<wire::AuthenticatedContent>(c, "authenticated_content");
  expect_true("authenticated_content holds a commit",
              content.content.content_type() == wire::ContentType::kCommit &&
                  content.auth.confirmation_tag.has_value());
  const Bytes confirmed_after = hex_field(c, "confirmed_transcript_hash_after");
  expect_true("confirmation_tag is the MAC of confirmed_transcript_hash_after",
              schedule::verify_confirmation_tag(suite, hex_field(c, "confirmation_key"),
                                                confirmed_after, *content.auth.confirmation_tag));
  const auto hashes =
      schedule::advance_transcript(suite, hex_field(c, "interim_transcript_hash_before"), content);
  expect_bytes("confirmed_transcript_hash_after", hashes.confirmed, confirmed_after);
  expect_bytes("interim_transcript_hash_after", hashes.interim,
               hex_field(c, "interim_transcript_hash_after"));
}

}  // namespace conclave::vectors
