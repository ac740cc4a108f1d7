/// @file
/// The enumerations and registry values of RFC 9420 (§6, §7, §8.4, §12.1, §17).
#pragma once

#include <cstdint>

#include "conclave/base/bytes.h"

namespace conclave::wire {

/// §6: only mls10 is defined. Left unchecked at decode time: Capabilities lists versions the
/// sender supports, which may include ones we do not; MLSMessage and KeyPackage check it.
enum class ProtocolVersion : uint16_t {
  kReserved = 0,  ///< never valid
  kMls10 = 1      ///< MLS 1.0, RFC 9420
};

/// §6: what a message's content is.
enum class ContentType : uint8_t { kApplication = 1, kProposal = 2, kCommit = 3 };
/// Decoding accepts the three defined values only.
inline bool tls_enum_known(ContentType t) {
  return t == ContentType::kApplication || t == ContentType::kProposal || t == ContentType::kCommit;
}

/// §6: who sent a message.
enum class SenderType : uint8_t {
  kMember = 1,             ///< a member, by leaf index
  kExternal = 2,           ///< a sender of the external_senders extension (§12.1.8)
  kNewMemberProposal = 3,  ///< a non-member proposing its own Add (§12.1.8)
  kNewMemberCommit = 4,    ///< a non-member joining by external commit (§12.4.3.2)
};
/// Decoding accepts the four defined values only.
inline bool tls_enum_known(SenderType t) {
  return static_cast<uint8_t>(t) >= 1 && static_cast<uint8_t>(t) <= 4;
}

/// §17.2. Private-use values (0xF000-0xFFFF) are not ours to interpret: MLSMessage rejects any
/// wire format other than these five.
enum class WireFormat : uint16_t {
  kPublicMessage = 1,
  kPrivateMessage = 2,
  kWelcome = 3,
  kGroupInfo = 4,
  kKeyPackage = 5,
};
/// Decoding accepts the five defined values only.
inline bool tls_enum_known(WireFormat w) {
  return static_cast<uint16_t>(w) >= 1 && static_cast<uint16_t>(w) <= 5;
}

/// §17.5; unknown and GREASE values are kept (§13.5).
enum class CredentialType : uint16_t {
  kBasic = 1,
  kX509 = 2,
  kMulti = 3,      ///< extensions draft §Multi-Credentials (IANA: multi)
  kWeakMulti = 4,  ///< extensions draft §Multi-Credentials (IANA: weak-multi)
};

/// §17.3; unknown and GREASE values are kept.
enum class ExtensionType : uint16_t {
  kApplicationId = 1,
  kRatchetTree = 2,
  kRequiredCapabilities = 3,
  kExternalPub = 4,
  kExternalSenders = 5,
  kAppDataDictionary = 6,     ///< extensions draft: app_data_dictionary (KP, LN, GC, GI)
  kSupportedWireFormats = 7,  ///< extensions draft: supported_wire_formats (LN)
  kRequiredWireFormats = 8,   ///< extensions draft: required_wire_formats (GC)
  /// §17.3 registry: marks a KeyPackage its owner keeps for reuse (empty extension_data).
  kLastResort = 0x000A,
};

/// §17.4; unknown and GREASE values are kept.
enum class ProposalType : uint16_t {
  kAdd = 1,
  kUpdate = 2,
  kRemove = 3,
  kPsk = 4,
  kReinit = 5,
  kExternalInit = 6,
  kGroupContextExtensions = 7,
  kAppDataUpdate = 8,    ///< extensions draft §AppDataUpdate
  kAppEphemeral = 9,     ///< extensions draft §AppEphemeral
  kSelfRemove = 0x000A,  ///< extensions draft §SelfRemove
};

/// §7.2: the message a LeafNode was made for.
enum class LeafNodeSource : uint8_t { kKeyPackage = 1, kUpdate = 2, kCommit = 3 };
/// Decoding accepts the three defined values only.
inline bool tls_enum_known(LeafNodeSource s) {
  return static_cast<uint8_t>(s) >= 1 && static_cast<uint8_t>(s) <= 3;
}

/// §7.8: the two kinds of ratchet tree node.
enum class NodeType : uint8_t { kLeaf = 1, kParent = 2 };
/// Decoding accepts the two defined values only.
inline bool tls_enum_known(NodeType t) {
  return t == NodeType::kLeaf || t == NodeType::kParent;
}

/// §8.4: where a pre-shared key comes from.
enum class PskType : uint8_t {
  kExternal = 1,    ///< agreed outside MLS
  kResumption = 2,  ///< the resumption_psk of an epoch of a group (§8.6)
  kApplication = 3  ///< extensions draft §Pre-Shared Keys: a component's PSK
};
/// Decoding accepts the three defined values only.
inline bool tls_enum_known(PskType t) {
  return t == PskType::kExternal || t == PskType::kResumption || t == PskType::kApplication;
}

/// §8.4: what a resumption PSK is injected for.
enum class ResumptionPskUsage : uint8_t {
  kApplication = 1,  ///< any use the application chooses
  kReinit = 2,       ///< the first epoch of a group that re-initializes another (§11.2)
  kBranch = 3        ///< the first epoch of a subgroup branched from another (§11.3)
};
/// Decoding accepts the three defined values only.
inline bool tls_enum_known(ResumptionPskUsage u) {
  return static_cast<uint8_t>(u) >= 1 && static_cast<uint8_t>(u) <= 3;
}

/// §12.4: whether a Commit carries a proposal by value or by reference.
enum class ProposalOrRefType : uint8_t { kProposal = 1, kReference = 2 };
/// Decoding accepts the two defined values only.
inline bool tls_enum_known(ProposalOrRefType t) {
  return t == ProposalOrRefType::kProposal || t == ProposalOrRefType::kReference;
}

/// §13.5: the GREASE values 0x0A0A, 0x1A1A, ..., 0xEAEA.
inline bool is_grease(uint16_t value) {
  return value < 0xF000 && (value & 0x0F0F) == 0x0A0A &&
         ((value >> 12) & 0xF) == ((value >> 4) & 0xF);
}

using CipherSuiteId = uint16_t;    ///< §17.1: a CipherSuite value
using HpkePublicKey = Bytes;       ///< §5.1.1: opaque HPKEPublicKey<V>
using SignaturePublicKey = Bytes;  ///< §5.1.1: opaque SignaturePublicKey<V>
using KeyPackageRef = Bytes;       ///< §5.2: HashReference
using ProposalRef = Bytes;         ///< §5.2: HashReference
using Mac = Bytes;                 ///< §6.1: opaque MAC<V>

}  // namespace conclave::wire
