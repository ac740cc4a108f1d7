#include "ds_client.h"

#include <chrono>
#include <stdexcept>
#include <variant>

#include "conclave/base/error.h"
#include "conclave/codec/codec.h"
#include "conclave/crypto/openssl_provider.h"
#include "request_signature.h"

namespace ds_test {

using conclave::Bytes;

namespace {

[[noreturn]] void fail(const char* what, const grpc::Status& status) {
  std::string message = what;
  message += ": ";
  message += status.error_message();
  throw std::runtime_error(message);
}

}  // namespace

std::string encode_message(const conclave::wire::MlsMessage& message) {
  const Bytes bytes = conclave::codec::encode(message);
  return std::string(bytes.begin(), bytes.end());
}

conclave::wire::MlsMessage decode_message(const std::string& bytes) {
  return conclave::codec::decode<conclave::wire::MlsMessage>(conclave::as_bytes(bytes));
}

DsClient::DsClient(const std::string& address, std::string user, std::string device, uint16_t suite)
    : provider_(conclave::crypto::openssl_provider()),
      suite_(provider_, suite),
      user_(std::move(user)),
      device_(std::move(device)),
      identity_(conclave::Identity::generate(suite_, conclave::basic_credential(user_))),
      channel_(grpc::CreateChannel(address, grpc::InsecureChannelCredentials())),
      stub_(v1::DeliveryService::NewStub(channel_)) {}

DsClient::DsClient(const std::string& address, std::string user, std::string device,
                   conclave::Identity identity)
    : provider_(conclave::crypto::openssl_provider()),
      suite_(provider_, identity.cipher_suite),
      user_(std::move(user)),
      device_(std::move(device)),
      identity_(std::move(identity)),
      channel_(grpc::CreateChannel(address, grpc::InsecureChannelCredentials())),
      stub_(v1::DeliveryService::NewStub(channel_)) {}

void DsClient::connect(const std::string& address) {
  channel_ = grpc::CreateChannel(address, grpc::InsecureChannelCredentials());
  stub_ = v1::DeliveryService::NewStub(channel_);
}

v1::DeviceRef DsClient::ref() const {
  v1::DeviceRef ref;
  ref.set_user(user_);
  ref.set_device(device_);
  return ref;
}

v1::SignedRequest DsClient::sign(const char* method, const google::protobuf::Message& body,
                                 const std::string* as_user, const std::string* as_device,
                                 std::optional<uint64_t> timestamp_ms) const {
  return sign_bytes(method, body.SerializeAsString(), as_user, as_device, timestamp_ms);
}

v1::SignedRequest DsClient::sign_bytes(const char* method, const std::string& body,
                                       const std::string* as_user, const std::string* as_device,
                                       std::optional<uint64_t> timestamp_ms) const {
  v1::SignedRequest request;
  request.set_body(body);
  v1::Auth& auth = *request.mutable_auth();
  auth.set_user(as_user ? *as_user : user_);
  auth.set_device(as_device ? *as_device : device_);
  auth.set_timestamp_ms(timestamp_ms.value_or(
      static_cast<uint64_t>(std::chrono::duration_cast<std::chrono::milliseconds>(
                                std::chrono::system_clock::now().time_since_epoch())
                                .count())));
  const Bytes nonce = provider_->random(16);
  auth.set_nonce(std::string(nonce.begin(), nonce.end()));
  const Bytes signature = conclave::ds::sign_request(
      suite_, identity_.signature_private_key.view(), method, auth.user(), auth.device(),
      auth.timestamp_ms(), nonce, conclave::as_bytes(request.body()));
  auth.set_signature(std::string(signature.begin(), signature.end()));
  return request;
}

Outcome<v1::RegisterReply> DsClient::register_device() const {
  v1::RegisterBody body;
  body.set_cipher_suite(suite_.id());
  const Bytes credential = conclave::codec::encode(identity_.credential);
  body.set_credential(std::string(credential.begin(), credential.end()));
  body.set_signature_key(
      std::string(identity_.signature_public_key.begin(), identity_.signature_public_key.end()));
  return call(kRegister, body);
}

Outcome<v1::PublishKeyPackagesReply> DsClient::publish(int count, bool last_resort) {
  v1::PublishKeyPackagesBody body;
  conclave::KeyPackageOptions options;
  options.last_resort = last_resort;
  for (int i = 0; i < count; ++i) {
    bundles_.push_back(
        conclave::create_key_package(suite_, identity_, conclave::unix_time_now(), options));
    body.add_key_packages(encode_message({bundles_.back().key_package}));
  }
  return call(kPublish, body);
}

Outcome<v1::FetchKeyPackagesReply> DsClient::fetch_key_packages(const std::string& user) const {
  v1::FetchKeyPackagesBody body;
  body.set_user(user);
  return call(kFetchKeyPackages, body);
}

Outcome<v1::SendReply> DsClient::send(const conclave::wire::MlsMessage& message,
                                      const std::vector<v1::DeviceRef>& added,
                                      const std::vector<v1::DeviceRef>& removed,
                                      const std::optional<conclave::wire::MlsMessage>& welcome,
                                      const std::optional<conclave::wire::MlsMessage>& group_info) {
  v1::SendBody body;
  body.set_group_id(std::string(group->group_id().begin(), group->group_id().end()));
  body.set_message(encode_message(message));
  std::string id = device_;
  id += "-";
  id += std::to_string(next_message_++);
  body.set_client_message_id(id);
  for (const auto& ref : added)
    *body.add_added() = ref;
  for (const auto& ref : removed)
    *body.add_removed() = ref;
  if (welcome) body.set_welcome(encode_message(*welcome));
  if (group_info) body.set_group_info(encode_message(*group_info));
  last_send_ = body;
  return call(kSend, body);
}

void DsClient::create_group(const std::string& group_id, bool allow_external_join) {
  conclave::CreateOptions options;
  options.group_id = conclave::to_bytes(group_id);
  group = conclave::Group::create(provider_, identity_, options, group_policy());
  v1::CreateGroupBody body;
  body.set_group_id(group_id);
  body.set_allow_external_join(allow_external_join);
  const auto out = call(kCreateGroup, body);
  if (!out.ok()) fail("CreateGroup", out.status);
}

conclave::wire::MlsMessage DsClient::next_group_info() const {
  conclave::Group next = *group;
  next.merge_pending_commit();
  return next.group_info();
}

Outcome<v1::SendReply> DsClient::join_external(
    const std::string& group_id, const conclave::ExternalJoinOptions& options,
    const std::vector<conclave::wire::MlsMessage>& self_removes) {
  v1::FetchGroupInfoBody fetch;
  fetch.set_group_id(group_id);
  const auto info = call(kFetchGroupInfo, fetch);
  if (!info.ok()) fail("FetchGroupInfo", info.status);
  conclave::ExternalJoin join = conclave::Group::join_external_with_self_removes(
      provider_, identity_, decode_message(info.reply.group_info()), self_removes, options,
      group_policy());
  std::optional<conclave::Group> before = std::move(group);
  group = std::move(join.group);
  auto out = send(join.commit, {}, {}, {}, group->group_info());
  if (!out.ok()) group = std::move(before);
  return out;
}

size_t DsClient::sync() {
  const auto fetched = call(kFetch, v1::FetchBody{});
  if (!fetched.ok()) fail("Fetch", fetched.status);
  uint64_t last = 0;
  for (const v1::QueueEntry& entry : fetched.reply.entries()) {
    const conclave::wire::MlsMessage message = decode_message(entry.message());
    if (entry.kind() == v1::ENTRY_KIND_WELCOME) {
      for (auto it = bundles_.begin(); it != bundles_.end(); ++it) {
        try {
          group = conclave::Group::join(provider_, identity_, *it, message, std::nullopt, {},
                                        group_policy());
          // The init key of a one-time KeyPackage is used up (RFC 9420 §10).
          if (!conclave::is_last_resort(it->key_package)) bundles_.erase(it);
          break;
        } catch (const conclave::Error& e) {
          if (e.code() != conclave::ErrorCode::kWelcomeNotForUs) throw;
        }
      }
      if (!group) throw std::runtime_error("a Welcome for none of our KeyPackages");
    } else {
      auto result = group->process(message);
      if (auto* staged = std::get_if<conclave::StagedCommit>(&result)) {
        group->merge(std::move(*staged));
      } else if (auto* app = std::get_if<conclave::ApplicationMessage>(&result)) {
        received.emplace_back(app->data.begin(), app->data.end());
      }
    }
    last = entry.sequence();
  }
  if (last > 0) {
    v1::AckBody ack;
    ack.set_cursor(last);
    const auto acked = call(kAck, ack);
    if (!acked.ok()) fail("Ack", acked.status);
  }
  return static_cast<size_t>(fetched.reply.entries_size());
}

}  // namespace ds_test
