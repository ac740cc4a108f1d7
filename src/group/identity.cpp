#include "conclave/group/identity.h"

#include <algorithm>
#include <chrono>

#include "conclave/base/error.h"
#include "conclave/codec/codec.h"
#include "conclave/tree/multi_credential.h"
#include "conclave/wire/app_data.h"
#include "negotiation.h"

namespace conclave {

namespace {

constexpr std::string_view kLeafNodeLabel = "LeafNodeTBS";
constexpr std::string_view kKeyPackageLabel = "KeyPackageTBS";
constexpr uint64_t kHour = 3600;
constexpr uint64_t kDefaultValidity = 90 * 24 * kHour;

template <class T>
void add_unique(std::vector<T>& list, T value) {
  if (std::find(list.begin(), list.end(), value) == list.end()) list.push_back(value);
}

// §13.5: a GREASE value (0x0A0A, 0x1A1A, ..., 0xEAEA) chosen at random that `list` does not
// hold yet.
template <class T>
T random_grease(const crypto::Suite& suite, const std::vector<T>& list) {
  const Bytes r = suite.random(1);
  for (unsigned i = 0; i < 15; ++i) {
    const unsigned n = (r[0] + i) % 15;
    const auto value = static_cast<T>(static_cast<uint16_t>(n << 12 | 0x0A00 | n << 4 | 0x0A));
    if (std::find(list.begin(), list.end(), value) == list.end()) return value;
  }
  throw Error(ErrorCode::kInvalidArgument, "every GREASE value is already listed");
}

// §13.5: a GREASE extension with 0 to 15 random bytes, its type listed in `caps.extensions`.
wire::Extension grease_extension(const crypto::Suite& suite, wire::Capabilities& caps) {
  const auto type = random_grease(suite, caps.extensions);
  caps.extensions.push_back(type);
  return wire::Extension{type, suite.random(suite.random(1)[0] % 16)};
}

}  // namespace

Identity Identity::generate(const crypto::Suite& suite, wire::Credential credential) {
  auto keys = suite.generate_signature_key_pair();
  return Identity{suite.id(), std::move(credential), std::move(keys.private_key),
                  std::move(keys.public_key)};
}

namespace {

// Extensions draft §Last-Resort KeyPackages: the component in the KeyPackage's dictionary.
void add_last_resort_component(wire::ExtensionList& extensions) {
  auto it = std::find_if(extensions.begin(), extensions.end(), [](const wire::Extension& e) {
    return e.extension_type == wire::ExtensionType::kAppDataDictionary;
  });
  wire::AppDataDictionary dictionary;
  if (it != extensions.end()) dictionary = wire::decode_app_data_dictionary(it->extension_data);
  wire::set_component(dictionary, wire::component::kLastResortKeyPackage, {});
  Bytes data = codec::encode(dictionary);
  if (it != extensions.end())
    it->extension_data = std::move(data);
  else
    extensions.push_back(wire::Extension{wire::ExtensionType::kAppDataDictionary, std::move(data)});
}

}  // namespace

wire::CredentialBinding bind_credential(const crypto::Suite& suite, const CredentialToBind& c,
                                        BytesView signature_key) {
  const crypto::Suite credential_suite(suite.provider_ptr(), c.cipher_suite);
  return tree::make_credential_binding(credential_suite, c.credential, c.private_key.view(),
                                       c.public_key, signature_key);
}

Identity generate_multi_credential_identity(const crypto::Suite& suite,
                                            const std::vector<CredentialToBind>& credentials,
                                            bool weak) {
  auto keys = suite.generate_signature_key_pair();
  std::vector<wire::CredentialBinding> bindings;
  for (const CredentialToBind& c : credentials)
    bindings.push_back(bind_credential(suite, c, keys.public_key));
  return Identity{suite.id(), wire::Credential::multi(std::move(bindings), weak),
                  std::move(keys.private_key), std::move(keys.public_key)};
}

wire::Credential basic_credential(std::string_view identity) {
  return wire::Credential::basic(to_bytes(identity));
}

wire::Capabilities default_capabilities() {
  wire::Capabilities caps;
  caps.versions = {wire::ProtocolVersion::kMls10};
  for (const auto& suite : crypto::all_cipher_suites())
    caps.cipher_suites.push_back(suite.id);
  caps.credentials = {wire::CredentialType::kBasic, wire::CredentialType::kX509};
  // Extensions draft §SelfRemove Proposal: supported, so groups of Conclave clients are
  // self-remove-capable. §AppDataUpdate, §AppEphemeral: supported too (each component is the
  // application's to register, GroupPolicy::components).
  caps.proposals = {wire::ProposalType::kSelfRemove, wire::ProposalType::kAppDataUpdate,
                    wire::ProposalType::kAppEphemeral};
  return caps;
}

Bytes KeyPackageBundle::ref(const crypto::Suite& suite) const {
  return suite.make_key_package_ref(codec::encode(key_package));
}

KeyPackageBundle create_key_package(const crypto::Suite& suite, const Identity& identity,
                                    uint64_t now, const KeyPackageOptions& options) {
  if (identity.cipher_suite != suite.id())
    throw Error(ErrorCode::kInvalidArgument, "the identity belongs to another cipher suite");
  auto init = suite.generate_hpke_key_pair();
  auto encryption = suite.generate_hpke_key_pair();

  wire::LeafNode leaf;
  leaf.encryption_key = std::move(encryption.public_key);
  leaf.signature_key = identity.signature_public_key;
  leaf.credential = identity.credential;
  leaf.capabilities = options.capabilities.value_or(default_capabilities());
  leaf.leaf_node_source = wire::LeafNodeSource::kKeyPackage;
  leaf.lifetime = options.lifetime.value_or(
      wire::Lifetime{now > kHour ? now - kHour : 0, now + kDefaultValidity});
  leaf.extensions = options.leaf_extensions;
  wire::ExtensionList extensions = options.extensions;
  if (options.last_resort && !wire::find_extension(extensions, wire::ExtensionType::kLastResort))
    extensions.push_back(wire::Extension{wire::ExtensionType::kLastResort, {}});
  if (options.last_resort_component) add_last_resort_component(extensions);
  // §7.2, §10: every non-default extension type carried is listed in the capabilities.
  wire::Capabilities& caps = leaf.capabilities;
  for (const wire::ExtensionType t : options.extension_types)
    add_unique(caps.extensions, t);
  // §7.2: a leaf supports its own credential type (extensions draft: multi, weak-multi).
  if (identity.credential.is_multi())
    add_unique(caps.credentials, identity.credential.credential_type);
  for (const wire::ProposalType t : options.proposal_types)
    add_unique(caps.proposals, t);
  for (const auto* list : {&extensions, &leaf.extensions})
    for (const wire::Extension& e : *list)
      if (!tree::is_default_extension_type(e.extension_type))
        add_unique(caps.extensions, e.extension_type);
  // Extensions draft §Attaching Application Data, §GREASE: app_components and component GREASE.
  detail::advertise_components(suite, leaf, extensions, options.grease);
  if (options.grease) {
    // §13.5: "an MLS client SHOULD include a random selection of values chosen from these
    // GREASE values" in these fields; GREASE extensions are listed in the capabilities too.
    caps.cipher_suites.push_back(random_grease(suite, caps.cipher_suites));
    caps.proposals.push_back(random_grease(suite, caps.proposals));
    caps.credentials.push_back(random_grease(suite, caps.credentials));
    extensions.push_back(grease_extension(suite, caps));
    leaf.extensions.push_back(grease_extension(suite, caps));
  }
  leaf.signature = suite.sign_with_label(identity.signature_private_key.view(), kLeafNodeLabel,
                                         leaf.to_be_signed(std::nullopt));

  KeyPackageBundle bundle;
  bundle.key_package.version = wire::ProtocolVersion::kMls10;
  bundle.key_package.cipher_suite = suite.id();
  bundle.key_package.init_key = std::move(init.public_key);
  bundle.key_package.leaf_node = std::move(leaf);
  bundle.key_package.extensions = std::move(extensions);
  bundle.key_package.signature = suite.sign_with_label(
      identity.signature_private_key.view(), kKeyPackageLabel, bundle.key_package.to_be_signed());
  bundle.init_private_key = std::move(init.private_key);
  bundle.encryption_private_key = std::move(encryption.private_key);
  return bundle;
}

void validate_key_package(const crypto::Suite& suite, const wire::KeyPackage& kp,
                          const tree::LeafPolicy& policy) {
  // §10.1: "Verify that the cipher suite and protocol version of the KeyPackage match those in
  // the GroupContext."
  if (kp.version != wire::ProtocolVersion::kMls10)
    throw Error(ErrorCode::kKeyPackageVersionMismatch, "KeyPackage version is not mls10");
  if (kp.cipher_suite != suite.id())
    throw Error(ErrorCode::kKeyPackageCipherSuiteMismatch,
                "KeyPackage for suite " + std::to_string(kp.cipher_suite) +
                    " in a group of suite " + std::to_string(suite.id()));
  // §10.1: the leaf node is valid for a KeyPackage (§7.3, the rules that need no tree).
  const wire::LeafNode& leaf = kp.leaf_node;
  if (leaf.leaf_node_source != wire::LeafNodeSource::kKeyPackage)
    throw Error(ErrorCode::kLeafNodeSourceMismatch, "a KeyPackage's leaf has source key_package");
  const tree::LeafIndex no_index(0);  // key_package leaves sign no leaf index
  tree::check_leaf_signature(suite, leaf, no_index, policy.group_id);
  tree::check_leaf_credential(leaf, no_index, policy);
  tree::check_required_capabilities(leaf, no_index, policy.group_context_extensions);
  tree::check_leaf_extensions(leaf, no_index);
  tree::check_leaf_lifetime(leaf, no_index, policy.now, policy.max_lifetime);
  // RFC 9180 §7.1.4: the keys the Welcome and later paths encrypt to.
  tree::check_encryption_key(suite, leaf.encryption_key, [] { return "KeyPackage leaf"; });
  tree::check_encryption_key(suite, kp.init_key, [] { return "KeyPackage init_key"; });
  // §13.4: "Any field containing a list of extensions MUST NOT have more than one extension
  // of any given type." Unknown KeyPackage extensions are otherwise ignored (§13.4).
  if (!wire::extension_types_unique(kp.extensions) ||
      !wire::extension_types_unique(leaf.extensions))
    throw Error(ErrorCode::kDuplicateExtension, "an extension type appears twice");
  // §10.1: "Verify that the signature on the KeyPackage is valid using the public key in
  // leaf_node.credential" (the leaf's signature key).
  if (!suite.verify_with_label(leaf.signature_key, kKeyPackageLabel, kp.to_be_signed(),
                               kp.signature))
    throw Error(ErrorCode::kKeyPackageSignatureInvalid, "KeyPackage signature does not verify");
  // §10.1: "Verify that the value of leaf_node.encryption_key is different from the value of
  // the init_key field."
  if (constant_time_equal(leaf.encryption_key, kp.init_key))
    throw Error(ErrorCode::kKeyPackageInitKeyReused, "init_key equals the leaf's encryption_key");
}

bool is_last_resort(const wire::KeyPackage& key_package) {
  if (wire::find_extension(key_package.extensions, wire::ExtensionType::kLastResort) != nullptr)
    return true;
  const wire::Extension* dictionary =
      wire::find_extension(key_package.extensions, wire::ExtensionType::kAppDataDictionary);
  if (dictionary == nullptr) return false;
  try {
    const wire::AppDataDictionary d = wire::decode_app_data_dictionary(dictionary->extension_data);
    const wire::ComponentData* mark =
        wire::find_component(d, wire::component::kLastResortKeyPackage);
    // extensions draft §Last-Resort KeyPackages, Format: "the component_id with an empty data
    // field".
    return mark != nullptr && mark->data.empty();
  } catch (const Error&) {
    return false;
  }
}

uint64_t unix_time_now() {
  return static_cast<uint64_t>(std::chrono::duration_cast<std::chrono::seconds>(
                                   std::chrono::system_clock::now().time_since_epoch())
                                   .count());
}

}  // namespace conclave
