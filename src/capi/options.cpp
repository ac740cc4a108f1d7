// The C API's option objects: group options (GroupConfig and GroupPolicy) and commit options
// (conclave.h, "Group options", "Groups: proposals, commits, messages").
#include <memory>
#include <optional>
#include <utility>

#include "capi/handles.h"
#include "conclave/codec/codec.h"

using namespace conclave;
using namespace conclave::capi;

extern "C" {

conclave_status conclave_group_options_new(conclave_group_options** out) {
  return guard([&] {
    need(out, "out") = nullptr;
    auto options = std::make_unique<conclave_group_options>();
    options->psks = std::make_shared<std::vector<std::pair<Bytes, SecretBytes>>>();
    *out = options.release();
  });
}

void conclave_group_options_free(conclave_group_options* options) {
  delete options;
}

void conclave_group_options_set_credential_validator(conclave_group_options* options,
                                                     conclave_credential_validator validator,
                                                     void* user_data) {
  if (options == nullptr) return;
  if (validator == nullptr) {
    options->policy.credential_validator = nullptr;
    return;
  }
  options->policy.credential_validator = [validator, user_data](const wire::Credential& credential,
                                                                BytesView signature_key) {
    const Bytes* identity = credential.identity();
    const Bytes content = identity != nullptr ? *identity : codec::encode(credential);
    return validator(user_data, static_cast<uint16_t>(credential.credential_type), content.data(),
                     content.size(), signature_key.data(), signature_key.size()) != 0;
  };
}

void conclave_group_options_accept_any_credential(conclave_group_options* options) {
  if (options != nullptr) options->policy.credential_validator = insecure_accept_any_credential();
}

void conclave_group_options_set_public_handshakes(conclave_group_options* options,
                                                  int public_handshakes) {
  if (options != nullptr)
    options->config.handshake_format =
        public_handshakes != 0 ? HandshakeFormat::kPublic : HandshakeFormat::kPrivate;
}

void conclave_group_options_set_padding_block(conclave_group_options* options,
                                              uint32_t padding_block) {
  if (options != nullptr) options->config.padding_block = padding_block;
}

void conclave_group_options_set_past_epochs_kept(conclave_group_options* options, uint32_t epochs) {
  if (options != nullptr) options->config.past_epochs_kept = epochs;
}

void conclave_group_options_set_ratchet_tree_in_welcome(conclave_group_options* options,
                                                        int in_welcome) {
  if (options != nullptr) options->config.ratchet_tree_in_welcome = in_welcome != 0 ? 1 : 0;
}

void conclave_group_options_set_check_lifetimes(conclave_group_options* options, int check) {
  if (options != nullptr) options->policy.check_lifetimes = check != 0;
}

void conclave_group_options_set_allow_application_with_pending_proposals(
    conclave_group_options* options, int allow) {
  if (options != nullptr) options->policy.allow_application_with_pending_proposals = allow != 0;
}

void conclave_group_options_set_worker_threads(conclave_group_options* options, unsigned threads) {
  if (options != nullptr) options->policy.worker_threads = threads;
}

conclave_status conclave_group_options_add_external_psk(conclave_group_options* options,
                                                        const uint8_t* psk_id, size_t psk_id_len,
                                                        const uint8_t* psk, size_t psk_len) {
  return guard([&] {
    auto& o = need(options, "options");
    o.psks->emplace_back(to_bytes(input(psk_id, psk_id_len, "psk_id")),
                         SecretBytes(input(psk, psk_len, "psk")));
    o.policy.external_psk = [psks = o.psks](BytesView id) -> std::optional<SecretBytes> {
      for (const auto& [psk_id, secret] : *psks)
        if (constant_time_equal(psk_id, id)) return secret;
      return std::nullopt;
    };
  });
}

conclave_status conclave_commit_options_new(conclave_commit_options** out) {
  return guard([&] {
    need(out, "out") = nullptr;
    *out = new conclave_commit_options{};
  });
}

void conclave_commit_options_free(conclave_commit_options* options) {
  delete options;
}

conclave_status conclave_commit_options_add(conclave_commit_options* options,
                                            const uint8_t* key_package, size_t key_package_len) {
  return guard([&] {
    auto& o = need(options, "options");
    o.options.add.push_back(key_package_of(input(key_package, key_package_len, "key_package")));
  });
}

conclave_status conclave_commit_options_remove(conclave_commit_options* options, uint32_t leaf) {
  return guard([&] { need(options, "options").options.remove.emplace_back(leaf); });
}

void conclave_commit_options_set_include_pending_proposals(conclave_commit_options* options,
                                                           int include) {
  if (options != nullptr) options->options.include_pending_proposals = include != 0;
}

void conclave_commit_options_set_force_path(conclave_commit_options* options, int force) {
  if (options != nullptr) options->options.force_path = force != 0;
}

void conclave_commit_options_set_ratchet_tree_in_welcome(conclave_commit_options* options,
                                                         int in_welcome) {
  if (options == nullptr) return;
  if (in_welcome < 0)
    options->options.ratchet_tree_in_welcome.reset();
  else
    options->options.ratchet_tree_in_welcome = in_welcome != 0;
}

conclave_status conclave_commit_options_set_authenticated_data(conclave_commit_options* options,
                                                               const uint8_t* data, size_t len) {
  return guard([&] {
    need(options, "options").options.authenticated_data =
        to_bytes(input(data, len, "authenticated data"));
  });
}

}  // extern "C"
