// Writes the seed corpora of the fuzz targets (issue 15): valid values of every type the
// targets decode, made by the library in every cipher suite the provider supports, with
// handshake messages both as PublicMessage and PrivateMessage; serialized group states and
// KeyPackage stores (fuzz_state); small valid conclave-vectors files of every type
// (fuzz_vectors_json, json_seeds.cpp); and for the scripted targets (resealer.h) the scripts
// that pick each template unmutated. Seeds are generated, never copied from elsewhere.
//
//   conclave-fuzz-seeds OUT_DIR      writes OUT_DIR/<target>/seed-<n>
#include <openssl/evp.h>
#include <openssl/x509.h>

#include <cstdio>
#include <exception>
#include <filesystem>
#include <fstream>
#include <string>
#include <variant>

#include "conclave/base/bytes.h"
#include "conclave/codec/codec.h"
#include "conclave/crypto/openssl_provider.h"
#include "conclave/crypto/suite.h"
#include "conclave/group/group.h"
#include "conclave/group/identity.h"
#include "conclave/group/key_package_store.h"
#include "conclave/wire/extension.h"
#include "conclave/wire/framing.h"
#include "conclave/wire/message.h"
#include "conclave/wire/welcome.h"
#include "json_seeds.h"

namespace {

using namespace conclave;

class Seeds {
 public:
  explicit Seeds(std::filesystem::path root) : root_(std::move(root)) {}

  void bytes(const char* target, BytesView data) {
    const auto folder = root_ / target;
    std::filesystem::create_directories(folder);
    std::string name = "seed-";
    name += std::to_string(count_++);
    std::ofstream out(folder / name, std::ios::binary);
    out.write(reinterpret_cast<const char*>(data.data()),
              static_cast<std::streamsize>(data.size()));
    if (!out) throw std::runtime_error("cannot write a seed");
  }
  // `data` after a first byte that tells the target what it is.
  void tagged(const char* target, uint8_t tag, BytesView data) {
    Bytes out{tag};
    out.insert(out.end(), data.begin(), data.end());
    bytes(target, out);
  }
  // fuzz_state: a group's serialized state (tag 0).
  void state(const Group& group) {
    const SecretBytes s = group.serialize();
    tagged("state", 0, s.view());
  }
  template <class T>
  void value(const char* target, const T& v) {
    const SecretBytes encoded = codec::encode_secret(v);
    bytes(target, encoded.view());
  }
  // An MLSMessage, and its body for the target of the body's type.
  void message(const wire::MlsMessage& m) {
    value("mls_message", m);
    if (const auto* pub = m.get<wire::PublicMessage>()) {
      value("public_message", *pub);
      if (const auto* commit = std::get_if<wire::Commit>(&pub->content.content)) {
        value("commit", *commit);
        if (commit->path) value("update_path", *commit->path);
      }
      if (const auto* proposal = std::get_if<wire::Proposal>(&pub->content.content))
        value("proposal", *proposal);
    }
    if (const auto* priv = m.get<wire::PrivateMessage>()) value("private_message", *priv);
    if (const auto* welcome = m.get<wire::Welcome>()) value("welcome", *welcome);
    if (const auto* info = m.get<wire::GroupInfo>()) group_info(*info);
    if (const auto* kp = m.get<wire::KeyPackage>()) {
      value("key_package", *kp);
      value("leaf_node", kp->leaf_node);
      value("capabilities", kp->leaf_node.capabilities);
      value("credential", kp->leaf_node.credential);
    }
  }

 private:
  void group_info(const wire::GroupInfo& info) {
    value("group_info", info);
    value("group_context", info.group_context);
    value("extensions", info.extensions);
    for (const auto& ext : info.extensions) {
      if (ext.extension_type == wire::ExtensionType::kRatchetTree)
        bytes("ratchet_tree", ext.extension_data);
      if (ext.extension_type == wire::ExtensionType::kExternalPub)
        bytes("external_pub", ext.extension_data);
    }
  }

  std::filesystem::path root_;
  int count_ = 0;
};

// A self-signed Ed25519 certificate for `name`, DER.
Bytes self_signed_certificate(const char* name) {
  EVP_PKEY* key = EVP_PKEY_Q_keygen(nullptr, nullptr, "ED25519");
  X509* cert = X509_new();
  X509_set_version(cert, 2);
  ASN1_INTEGER_set(X509_get_serialNumber(cert), 1);
  X509_gmtime_adj(X509_getm_notBefore(cert), 0);
  X509_gmtime_adj(X509_getm_notAfter(cert), 3600);
  X509_NAME* subject = X509_get_subject_name(cert);
  X509_NAME_add_entry_by_txt(subject, "CN", MBSTRING_ASC,
                             reinterpret_cast<const unsigned char*>(name), -1, -1, 0);
  X509_set_issuer_name(cert, subject);
  X509_set_pubkey(cert, key);
  X509_sign(cert, key, nullptr);
  unsigned char* der = nullptr;
  const int size = i2d_X509(cert, &der);
  Bytes out(der, der + (size > 0 ? size : 0));
  OPENSSL_free(der);
  X509_free(cert);
  EVP_PKEY_free(key);
  return out;
}

// A group of three in `suite` with handshakes in `format`: every kind of message it exchanges.
void group_seeds(Seeds& seeds, const std::shared_ptr<const crypto::CryptoProvider>& provider,
                 const crypto::Suite& suite, HandshakeFormat format) {
  const Identity alice_id = Identity::generate(suite, basic_credential("alice"));
  const Identity bob_id = Identity::generate(suite, basic_credential("bob"));
  const Identity carol_id = Identity::generate(suite, basic_credential("carol"));
  GroupPolicy policy;  // the credentials are made here: every one is accepted
  policy.credential_validator = insecure_accept_any_credential();
  const KeyPackageBundle bob_kp = create_key_package(suite, bob_id, unix_time_now());
  const KeyPackageBundle carol_kp = create_key_package(suite, carol_id, unix_time_now());
  seeds.message(wire::MlsMessage{bob_kp.key_package});

  CreateOptions options;
  options.config.handshake_format = format;
  Group alice = Group::create(provider, alice_id, options, policy);
  seeds.state(alice);
  CommitOptions add;
  add.add = {bob_kp.key_package, carol_kp.key_package};
  const CommitOutput added = alice.commit(add);
  seeds.message(added.commit);
  seeds.message(*added.welcome);
  if (added.group_info) seeds.message(*added.group_info);
  alice.merge_pending_commit();
  Group bob = Group::join(provider, bob_id, bob_kp, *added.welcome, std::nullopt, {}, policy);
  Group carol = Group::join(provider, carol_id, carol_kp, *added.welcome, std::nullopt, {}, policy);
  seeds.state(bob);

  seeds.message(alice.protect(as_bytes("hello")));
  seeds.message(alice.group_info());
  const wire::MlsMessage proposal = carol.propose_update();
  seeds.message(proposal);
  bob.process(proposal);
  alice.process(proposal);
  seeds.state(bob);  // with a received proposal
  const CommitOutput update = bob.commit();
  seeds.message(update.commit);
  bob.merge_pending_commit();
  alice.merge(std::get<StagedCommit>(alice.process(update.commit)));
  alice.process(bob.protect(as_bytes("in epoch 2")));
  seeds.state(alice);  // a past epoch kept, a receiving ratchet advanced

  // fuzz_state: a KeyPackage store (tag 1), one package last-resort.
  KeyPackageStore store;
  store.add(suite, create_key_package(suite, carol_id, unix_time_now()));
  KeyPackageOptions last_resort;
  last_resort.last_resort = true;
  store.add(suite, create_key_package(suite, carol_id, unix_time_now(), last_resort));
  const SecretBytes stored = store.serialize();
  seeds.tagged("state", 1, stored.view());
}

// The scripted targets read their input as choices from its end (resealer.h: Choices); an
// exhausted input chooses 0, the unmutated option. These seeds pick every template once,
// unmutated, so that the corpus starts from every honest message.
void script_seeds(Seeds& seeds) {
  // fuzz_process_resealed: the last byte is the template (12 kinds), then the author (alice,
  // carol) and the handshake format (PrivateMessage, PublicMessage).
  for (uint8_t kind = 0; kind < 12; ++kind)
    for (uint8_t author = 0; author < 2; ++author)
      for (uint8_t format = 0; format < 2; ++format)
        seeds.bytes("process_resealed", Bytes{format, author, kind});
  // fuzz_join_resealed: the Welcome (with a path, without, with a PSK).
  for (uint8_t welcome = 0; welcome < 3; ++welcome)
    seeds.bytes("join_resealed", Bytes{welcome});
  // fuzz_join_external: the joiner (erin, frank, bob, carol), then a resync, then a PSK.
  for (uint8_t joiner = 0; joiner < 4; ++joiner)
    for (uint8_t resync = 0; resync < 2; ++resync)
      for (uint8_t psk = 0; psk < 2; ++psk)
        seeds.bytes("join_external", Bytes{psk, resync, joiner});
  // fuzz_storage_load: the untouched store, in memory and in SQLite.
  seeds.bytes("storage_load", Bytes{0});
  seeds.bytes("storage_load", Bytes{1});
}

// GroupSecrets never travel in the clear; their seeds are built here (RFC 9420 §12.4.3.1).
void group_secrets_seeds(Seeds& seeds) {
  wire::GroupSecrets secrets;
  secrets.joiner_secret = SecretBytes(Bytes(32, 0x11));
  seeds.value("group_secrets", secrets);
  secrets.path_secret = wire::PathSecret{SecretBytes(Bytes(32, 0x22))};
  secrets.psks.push_back(wire::PreSharedKeyId::external(Bytes{1, 2, 3}, Bytes(32, 0x33)));
  seeds.value("group_secrets", secrets);
  for (const auto& psk : secrets.psks)
    seeds.value("psk_id", psk);
  seeds.value("psk_id", wire::PreSharedKeyId::resumption(wire::ResumptionPskUsage::kApplication,
                                                         Bytes{9, 9}, 7, Bytes(32, 0x44)));
}

void extension_seeds(Seeds& seeds) {
  wire::RequiredCapabilities required;
  required.extension_types = {wire::ExtensionType::kExternalPub};
  required.credential_types = {wire::CredentialType::kBasic, wire::CredentialType::kX509};
  seeds.value("required_capabilities", required);
  wire::ExternalSender sender;
  sender.signature_key = Bytes(32, 0x55);
  sender.credential = basic_credential("external");
  seeds.value("external_sender", sender);
  const wire::Credential x509 =
      wire::Credential::x509({wire::Certificate{self_signed_certificate("fuzz")}});
  seeds.value("credential", x509);
  seeds.value("x509", x509);
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: conclave-fuzz-seeds OUT_DIR\n");
    return 2;
  }
  try {
    Seeds seeds(argv[1]);
    const auto provider = crypto::openssl_provider();
    int suites = 0;
    for (uint16_t id = 1; id <= 7; ++id) {
      std::unique_ptr<crypto::Suite> suite;
      try {
        suite = std::make_unique<crypto::Suite>(provider, id);
      } catch (const Error&) {
        continue;  // not supported by this provider
      }
      ++suites;
      for (const auto format : {HandshakeFormat::kPrivate, HandshakeFormat::kPublic})
        group_seeds(seeds, provider, *suite, format);
      conclave_fuzz::json_seeds(provider, *suite, [&](uint8_t type, const std::string& text) {
        seeds.tagged("vectors_json", type, as_bytes(text));
      });
    }
    group_secrets_seeds(seeds);
    extension_seeds(seeds);
    script_seeds(seeds);
    std::printf("seeds for %d cipher suites in %s\n", suites, argv[1]);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "conclave-fuzz-seeds: %s\n", e.what());
    return 1;
  }
  return 0;
}
