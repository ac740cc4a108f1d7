#include "conclave/schedule/detail/transcript_hash.h"

#include "conclave/base/error.h"

namespace conclave::schedule {

namespace {

Bytes hash_concat(const crypto::Suite& suite, BytesView a, BytesView b) {
  Bytes input;
  input.reserve(a.size() + b.size());
  input.insert(input.end(), a.begin(), a.end());
  input.insert(input.end(), b.begin(), b.end());
  return suite.hash(input);
}

}  // namespace

Bytes confirmed_transcript_hash(const crypto::Suite& suite, BytesView interim_before,
                                const wire::AuthenticatedContent& commit) {
  return hash_concat(suite, interim_before, wire::confirmed_transcript_hash_input(commit));
}

Bytes confirmed_transcript_hash(const crypto::Suite& suite, BytesView interim_before,
                                wire::WireFormat wire_format,
                                const wire::EncodedFramedContent& commit, BytesView signature) {
  return hash_concat(suite, interim_before,
                     wire::confirmed_transcript_hash_input(wire_format, commit, signature));
}

Bytes interim_transcript_hash(const crypto::Suite& suite, BytesView confirmed,
                              const wire::Mac& confirmation_tag) {
  return hash_concat(suite, confirmed, wire::interim_transcript_hash_input(confirmation_tag));
}

TranscriptHashes advance_transcript(const crypto::Suite& suite, BytesView interim_before,
                                    const wire::AuthenticatedContent& commit) {
  if (!commit.auth.confirmation_tag)
    throw Error(ErrorCode::kInvalidArgument, "commit without a confirmation tag");
  TranscriptHashes out;
  out.confirmed = confirmed_transcript_hash(suite, interim_before, commit);
  out.interim = interim_transcript_hash(suite, out.confirmed, *commit.auth.confirmation_tag);
  return out;
}

wire::Mac confirmation_tag(const crypto::Suite& suite, BytesView confirmation_key,
                           BytesView confirmed_transcript_hash) {
  return suite.mac(confirmation_key, confirmed_transcript_hash);
}

bool verify_confirmation_tag(const crypto::Suite& suite, BytesView confirmation_key,
                             BytesView confirmed_transcript_hash, BytesView tag) {
  return constant_time_equal(confirmation_tag(suite, confirmation_key, confirmed_transcript_hash),
                             tag);
}

}  // namespace conclave::schedule
