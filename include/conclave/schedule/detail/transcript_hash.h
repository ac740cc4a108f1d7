// Transcript hashes and the confirmation tag (RFC 9420 §8.2, §6.1).
#pragma once

#include "conclave/base/bytes.h"
#include "conclave/crypto/suite.h"
#include "conclave/wire/framing.h"

namespace conclave::schedule {

struct TranscriptHashes {
  Bytes confirmed;
  Bytes interim;
  friend bool operator==(const TranscriptHashes&, const TranscriptHashes&) = default;
};

// confirmed_transcript_hash_[n] = Hash(interim_[n-1] || ConfirmedTranscriptHashInput_[n]).
Bytes confirmed_transcript_hash(const crypto::Suite& suite, BytesView interim_before,
                                const wire::AuthenticatedContent& commit);
// The same from the commit's encoded FramedContent and its signature.
Bytes confirmed_transcript_hash(const crypto::Suite& suite, BytesView interim_before,
                                wire::WireFormat wire_format,
                                const wire::EncodedFramedContent& commit, BytesView signature);
// interim_transcript_hash_[n] = Hash(confirmed_[n] || InterimTranscriptHashInput_[n]).
Bytes interim_transcript_hash(const crypto::Suite& suite, BytesView confirmed,
                              const wire::Mac& confirmation_tag);
// Both hashes after a commit; the commit's auth must carry its confirmation tag.
TranscriptHashes advance_transcript(const crypto::Suite& suite, BytesView interim_before,
                                    const wire::AuthenticatedContent& commit);

// §6.1: confirmation_tag = MAC(confirmation_key, confirmed_transcript_hash).
wire::Mac confirmation_tag(const crypto::Suite& suite, BytesView confirmation_key,
                           BytesView confirmed_transcript_hash);
// Constant-time comparison against the expected tag.
bool verify_confirmation_tag(const crypto::Suite& suite, BytesView confirmation_key,
                             BytesView confirmed_transcript_hash, BytesView tag);

}  // namespace conclave::schedule
