// A test client of conclave-ds: one device (an MLS identity) that signs its requests, and the
// one group it is in, driven with the library's Group.
#pragma once

#include <grpcpp/grpcpp.h>

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "conclave/crypto/provider.h"
#include "conclave/crypto/suite.h"
#include "conclave/group/group.h"
#include "conclave/group/identity.h"
#include "ds.grpc.pb.h"

namespace ds_test {

namespace v1 = conclave::ds::v1;
using Stub = v1::DeliveryService::Stub;

// One RPC: its name (what the signature binds) and the stub's method.
template <class Reply>
struct Rpc {
  const char* name;
  grpc::Status (Stub::*call)(grpc::ClientContext*, const v1::SignedRequest&, Reply*);
};
inline const Rpc<v1::RegisterReply> kRegister{"Register", &Stub::Register};
inline const Rpc<v1::PublishKeyPackagesReply> kPublish{"PublishKeyPackages",
                                                       &Stub::PublishKeyPackages};
inline const Rpc<v1::FetchKeyPackagesReply> kFetchKeyPackages{"FetchKeyPackages",
                                                              &Stub::FetchKeyPackages};
inline const Rpc<v1::CreateGroupReply> kCreateGroup{"CreateGroup", &Stub::CreateGroup};
inline const Rpc<v1::SendReply> kSend{"Send", &Stub::Send};
inline const Rpc<v1::FetchReply> kFetch{"Fetch", &Stub::Fetch};
inline const Rpc<v1::AckReply> kAck{"Ack", &Stub::Ack};
inline const Rpc<v1::FetchGroupInfoReply> kFetchGroupInfo{"FetchGroupInfo", &Stub::FetchGroupInfo};

// The test clients' groups: every credential accepted. These tests check the DS, which vouched
// for each device at registration; a real client's own check (RFC 9420 §5.3.1) is not theirs.
inline conclave::GroupPolicy group_policy() {
  conclave::GroupPolicy policy;
  policy.credential_validator = conclave::insecure_accept_any_credential();
  return policy;
}

template <class Reply>
struct Outcome {
  grpc::Status status;
  Reply reply;
  v1::ErrorDetail detail;  // parsed from the status's error_details when it failed
  bool ok() const { return status.ok(); }
};

class DsClient {
 public:
  DsClient(const std::string& address, std::string user, std::string device, uint16_t suite = 1);
  // A device with the given identity (e.g. an X.509 credential), in the identity's suite.
  DsClient(const std::string& address, std::string user, std::string device,
           conclave::Identity identity);

  const std::string& user() const { return user_; }
  const std::string& device() const { return device_; }
  const conclave::Identity& identity() const { return identity_; }
  const conclave::crypto::Suite& suite() const { return suite_; }
  std::shared_ptr<const conclave::crypto::CryptoProvider> provider() const { return provider_; }
  v1::DeviceRef ref() const;
  // Talks to the DS at `address` from now on (after a restart).
  void connect(const std::string& address);

  // A request for `method` with a fresh timestamp and nonce, signed by this device; `as_user`
  // and `as_device` replace the names in Auth (to impersonate), `timestamp_ms` the time.
  v1::SignedRequest sign(const char* method, const google::protobuf::Message& body,
                         const std::string* as_user = nullptr,
                         const std::string* as_device = nullptr,
                         std::optional<uint64_t> timestamp_ms = std::nullopt) const;

  // sign() over body bytes that need not parse.
  v1::SignedRequest sign_bytes(const char* method, const std::string& body,
                               const std::string* as_user = nullptr,
                               const std::string* as_device = nullptr,
                               std::optional<uint64_t> timestamp_ms = std::nullopt) const;

  template <class Reply>
  Outcome<Reply> call(const Rpc<Reply>& rpc, const v1::SignedRequest& request) const {
    Outcome<Reply> out;
    grpc::ClientContext context;
    out.status = (stub_.get()->*rpc.call)(&context, request, &out.reply);
    if (!out.status.ok()) out.detail.ParseFromString(out.status.error_details());
    return out;
  }
  template <class Reply>
  Outcome<Reply> call(const Rpc<Reply>& rpc, const google::protobuf::Message& body) const {
    return call(rpc, sign(rpc.name, body));
  }

  // --- the typical calls ---
  Outcome<v1::RegisterReply> register_device() const;
  // Makes `count` KeyPackages (kept here for joining) and publishes them.
  Outcome<v1::PublishKeyPackagesReply> publish(int count, bool last_resort = false);
  Outcome<v1::FetchKeyPackagesReply> fetch_key_packages(const std::string& user) const;
  Outcome<v1::SendReply> send(const conclave::wire::MlsMessage& message,
                              const std::vector<v1::DeviceRef>& added = {},
                              const std::vector<v1::DeviceRef>& removed = {},
                              const std::optional<conclave::wire::MlsMessage>& welcome = {},
                              const std::optional<conclave::wire::MlsMessage>& group_info = {});
  // The bytes of the last send() with its client message id, for retries.
  const v1::SendBody& last_send() const { return last_send_; }

  // --- the group ---
  // Creates the MLS group and registers it with the DS.
  void create_group(const std::string& group_id, bool allow_external_join = false);
  // The GroupInfo of the epoch the pending commit starts, with the ratchet tree (RFC 9420
  // §12.4.3.1), for the commit's Send: CommitOutput::group_info has no tree, so it is taken
  // from a copy of the group with the commit merged (the group itself is left as it is).
  conclave::wire::MlsMessage next_group_info() const;
  // Fetches the group's GroupInfo from the DS and joins by external commit (RFC 9420
  // §12.4.3.2), sending the commit with the new epoch's GroupInfo. On success `group` is the
  // joined group; on a refusal it is left as it was. `self_removes`: pending SelfRemove
  // proposals the commit includes by reference (extensions draft §SelfRemove Proposal).
  Outcome<v1::SendReply> join_external(
      const std::string& group_id, const conclave::ExternalJoinOptions& options = {},
      const std::vector<conclave::wire::MlsMessage>& self_removes = {});
  // Fetches the queue and handles every entry in order: joins by Welcome, merges commits,
  // collects application messages; then acknowledges. Returns how many entries it handled.
  size_t sync();
  std::optional<conclave::Group> group;
  std::vector<std::string> received;  // application messages, in order

 private:
  std::shared_ptr<const conclave::crypto::CryptoProvider> provider_;
  conclave::crypto::Suite suite_;
  std::string user_;
  std::string device_;
  conclave::Identity identity_;
  std::shared_ptr<grpc::Channel> channel_;
  std::unique_ptr<Stub> stub_;
  std::vector<conclave::KeyPackageBundle> bundles_;
  uint64_t next_message_ = 1;
  v1::SendBody last_send_;
};

// The encoded MLSMessage of a KeyPackage, as published.
std::string encode_message(const conclave::wire::MlsMessage& message);
conclave::wire::MlsMessage decode_message(const std::string& bytes);

}  // namespace ds_test
