// The gRPC transport: each Transport call is one signed conclave-ds RPC (tools/ds/ds.proto,
// tools/ds/README.md).
#include "conclave/client/grpc_transport.h"

#include <grpcpp/grpcpp.h>

#include <climits>
#include <mutex>
#include <optional>
#include <string>
#include <utility>

#include "conclave/base/error.h"
#include "conclave/codec/codec.h"
#include "conclave/crypto/openssl_provider.h"
#include "conclave/crypto/suite.h"
#include "device_approval.h"
#include "ds.grpc.pb.h"
#include "ds_wire.h"
#include "request_signature.h"

namespace conclave {
namespace {

namespace v1 = ds::v1;
using Stub = v1::DeliveryService::Stub;

// 16 bytes: the protocol's minimum, and 128 bits make a collision among a device's nonces
// within the server's window out of the question.
constexpr size_t kNonceBytes = 16;
// A channel that failed reconnects after a backoff that grows to this at most: gRPC's default
// (two minutes) would leave calls failing that long after the service is back.
constexpr int kMaxReconnectBackoffMs = 2000;

std::string str(BytesView bytes) {
  return std::string(bytes.begin(), bytes.end());
}

Bytes bytes(const std::string& s) {
  return to_bytes(as_bytes(s));
}

uint64_t now_ms() {
  return static_cast<uint64_t>(std::chrono::duration_cast<std::chrono::milliseconds>(
                                   std::chrono::system_clock::now().time_since_epoch())
                                   .count());
}

std::shared_ptr<const crypto::CryptoProvider> or_default(
    std::shared_ptr<const crypto::CryptoProvider> provider) {
  return provider ? std::move(provider) : crypto::openssl_provider();
}

// A unary RPC: the name its signature binds and the stub's method.
template <class Reply>
struct Rpc {
  const char* name;
  grpc::Status (Stub::*call)(grpc::ClientContext*, const v1::SignedRequest&, Reply*);
};
const Rpc<v1::RegisterReply> kRegister{"Register", &Stub::Register};
const Rpc<v1::PublishKeyPackagesReply> kPublish{"PublishKeyPackages", &Stub::PublishKeyPackages};
const Rpc<v1::FetchKeyPackagesReply> kFetchKeyPackages{"FetchKeyPackages", &Stub::FetchKeyPackages};
const Rpc<v1::CreateGroupReply> kCreateGroup{"CreateGroup", &Stub::CreateGroup};
const Rpc<v1::SendReply> kSend{"Send", &Stub::Send};
const Rpc<v1::FetchReply> kFetch{"Fetch", &Stub::Fetch};
const Rpc<v1::AckReply> kAck{"Ack", &Stub::Ack};
const Rpc<v1::FetchGroupInfoReply> kFetchGroupInfo{"FetchGroupInfo", &Stub::FetchGroupInfo};
constexpr const char* kSubscribe = "Subscribe";

class GrpcTransport final : public Transport {
 public:
  explicit GrpcTransport(GrpcTransportOptions options)
      : options_(std::move(options)), provider_(or_default(options_.provider)) {
    grpc::ChannelArguments args;
    // A Fetch page holds up to 100 messages of up to the server's --max-message-bytes each:
    // far past gRPC's default of 4 MiB. The server's limits bound what it sends.
    args.SetMaxReceiveMessageSize(-1);
    args.SetInt(GRPC_ARG_MAX_RECONNECT_BACKOFF_MS, kMaxReconnectBackoffMs);
    stub_ = v1::DeliveryService::NewStub(
        grpc::CreateCustomChannel(options_.address, grpc::InsecureChannelCredentials(), args));
  }

  void bind(const DeviceRef& device, const Identity& identity) override {
    auto binding = std::make_shared<const Binding>(
        Binding{device, identity, crypto::Suite(provider_, identity.cipher_suite)});
    std::lock_guard lock(mutex_);
    binding_ = std::move(binding);
  }

  void register_device() override {
    const auto b = binding();
    v1::RegisterBody body;
    body.set_cipher_suite(b->identity.cipher_suite);
    body.set_credential(str(codec::encode(b->identity.credential)));
    body.set_signature_key(str(b->identity.signature_public_key));
    body.set_approver_device(options_.approver_device);
    body.set_approver_signature(str(options_.approver_signature));
    call(*b, kRegister, body);
  }

  uint32_t publish_key_packages(const std::vector<Bytes>& key_packages) override {
    v1::PublishKeyPackagesBody body;
    for (const Bytes& key_package : key_packages)
      body.add_key_packages(str(key_package));
    return call(*binding(), kPublish, body).stored();
  }

  FetchedKeyPackages fetch_key_packages(const std::string& user) override {
    v1::FetchKeyPackagesBody body;
    body.set_user(user);
    const auto reply = call(*binding(), kFetchKeyPackages, body);
    FetchedKeyPackages out;
    for (const v1::DeviceKeyPackage& kp : reply.key_packages())
      out.key_packages.push_back({kp.device(), bytes(kp.key_package()), kp.last_resort()});
    out.exhausted_devices.assign(reply.exhausted_devices().begin(),
                                 reply.exhausted_devices().end());
    return out;
  }

  uint64_t create_group(BytesView group_id, bool allow_external_join) override {
    v1::CreateGroupBody body;
    body.set_group_id(str(group_id));
    body.set_allow_external_join(allow_external_join);
    return call(*binding(), kCreateGroup, body).epoch();
  }

  SendResult send(const SendRequest& request) override {
    v1::SendBody body;
    body.set_group_id(str(request.group_id));
    body.set_message(str(request.message));
    body.set_client_message_id(str(request.client_message_id));
    for (const DeviceRef& ref : request.added) {
      v1::DeviceRef* added = body.add_added();
      added->set_user(ref.user);
      added->set_device(ref.device);
    }
    for (const DeviceRef& ref : request.removed) {
      v1::DeviceRef* removed = body.add_removed();
      removed->set_user(ref.user);
      removed->set_device(ref.device);
    }
    body.set_welcome(str(request.welcome));
    body.set_group_info(str(request.group_info));
    const auto reply = call(*binding(), kSend, body);
    return SendResult{reply.sequence(), reply.epoch()};
  }

  std::vector<QueueEntry> fetch(uint64_t after, uint32_t limit) override {
    v1::FetchBody body;
    body.set_after(after);
    body.set_limit(limit);
    const auto reply = call(*binding(), kFetch, body);
    std::vector<QueueEntry> out;
    out.reserve(static_cast<size_t>(reply.entries_size()));
    for (const v1::QueueEntry& entry : reply.entries())
      out.push_back(ds_client::queue_entry(entry));
    return out;
  }

  void ack(uint64_t cursor) override {
    v1::AckBody body;
    body.set_cursor(cursor);
    call(*binding(), kAck, body);
  }

  StoredGroupInfo fetch_group_info(BytesView group_id) override {
    v1::FetchGroupInfoBody body;
    body.set_group_id(str(group_id));
    const auto reply = call(*binding(), kFetchGroupInfo, body);
    return StoredGroupInfo{bytes(reply.group_info()), reply.epoch()};
  }

  // A Subscribe stream from `after`, open until its first entry, the timeout or
  // interrupt_wait(). Its failures are not reported: returning early is allowed, and the fetch
  // that follows a wait reports the service's state with a typed error.
  void wait_for_entries(uint64_t after, std::chrono::milliseconds timeout) override {
    if (timeout <= std::chrono::milliseconds::zero()) return;
    const auto b = binding();
    v1::SubscribeBody body;
    body.set_after(after);
    const v1::SignedRequest request = sign(*b, kSubscribe, body);
    auto context = std::make_shared<grpc::ClientContext>();
    context->set_deadline(std::chrono::system_clock::now() + timeout);
    // Through an outage the stream waits for the service to come back (until the deadline)
    // instead of failing at once, so a caller's wait-and-fetch loop does not spin.
    context->set_wait_for_ready(true);
    {
      std::lock_guard lock(mutex_);
      if (interrupt_pending_) {
        interrupt_pending_ = false;
        return;
      }
      wait_context_ = context;
    }
    auto reader = stub_->Subscribe(context.get(), request);
    v1::QueueEntry entry;
    const bool arrived = reader->Read(&entry);
    // One entry is all a wait needs: the caller fetches the queue. Cancelling ends the stream
    // here, so Finish() does not wait for the server's end of it.
    if (arrived) context->TryCancel();
    reader->Finish();
    std::lock_guard lock(mutex_);
    wait_context_.reset();
    interrupt_pending_ = false;
  }

  // Also remembered when no wait is in progress, for the next one: an interrupt that races
  // the start of a wait would otherwise be lost and the wait last its whole timeout.
  void interrupt_wait() override {
    std::lock_guard lock(mutex_);
    interrupt_pending_ = true;
    if (wait_context_) wait_context_->TryCancel();
  }

 private:
  // What bind() set: the device the requests name and the key that signs them.
  struct Binding {
    DeviceRef device;
    Identity identity;
    crypto::Suite suite;
  };

  std::shared_ptr<const Binding> binding() const {
    std::lock_guard lock(mutex_);
    if (!binding_)
      throw Error(ErrorCode::kInvalidArgument, "the gRPC transport is not bound to a device");
    return binding_;
  }

  // RFC 9750 §5, tools/ds/README.md: the body's exact bytes, signed with the method, names,
  // time and a fresh nonce, so the server can check who sent it and refuse a replay.
  v1::SignedRequest sign(const Binding& b, const char* method,
                         const google::protobuf::MessageLite& body) const {
    if (body.ByteSizeLong() > static_cast<size_t>(INT_MAX))
      throw Error(ErrorCode::kInvalidArgument,
                  std::string(method) + ": the request is larger than protobuf can encode");
    v1::SignedRequest request;
    request.set_body(body.SerializeAsString());
    v1::Auth& auth = *request.mutable_auth();
    auth.set_user(b.device.user);
    auth.set_device(b.device.device);
    auth.set_timestamp_ms(now_ms());
    const Bytes nonce = provider_->random(kNonceBytes);
    auth.set_nonce(str(nonce));
    auth.set_signature(
        str(ds::sign_request(b.suite, b.identity.signature_private_key.view(), method, auth.user(),
                             auth.device(), auth.timestamp_ms(), nonce, as_bytes(request.body()))));
    return request;
  }

  template <class Reply>
  Reply call(const Binding& b, const Rpc<Reply>& rpc, const google::protobuf::MessageLite& body) {
    const v1::SignedRequest request = sign(b, rpc.name, body);
    grpc::ClientContext context;
    context.set_deadline(std::chrono::system_clock::now() + options_.call_timeout);
    Reply reply;
    const grpc::Status status = (stub_.get()->*rpc.call)(&context, request, &reply);
    if (!status.ok()) throw ds_client::delivery_error(rpc.name, status);
    return reply;
  }

  const GrpcTransportOptions options_;
  const std::shared_ptr<const crypto::CryptoProvider> provider_;
  std::unique_ptr<Stub> stub_;
  mutable std::mutex mutex_;
  std::shared_ptr<const Binding> binding_;
  // The context of the wait in progress, for interrupt_wait() on another thread.
  std::shared_ptr<grpc::ClientContext> wait_context_;
  bool interrupt_pending_ = false;
};

}  // namespace

std::shared_ptr<Transport> make_grpc_transport(GrpcTransportOptions options) {
  if (options.address.empty())
    throw Error(ErrorCode::kInvalidArgument, "GrpcTransportOptions::address is empty");
  if (options.call_timeout <= std::chrono::milliseconds::zero())
    throw Error(ErrorCode::kInvalidArgument, "GrpcTransportOptions::call_timeout must be positive");
  if (options.approver_device.empty() != options.approver_signature.empty())
    throw Error(ErrorCode::kInvalidArgument,
                "GrpcTransportOptions: approver_device and approver_signature go together");
  return std::make_shared<GrpcTransport>(std::move(options));
}

Bytes approve_device(const Identity& approver, const DeviceRef& device, const Identity& identity,
                     std::shared_ptr<const crypto::CryptoProvider> provider) {
  const crypto::Suite suite(or_default(std::move(provider)), approver.cipher_suite);
  return ds::sign_device_approval(
      suite, approver.signature_private_key.view(), device.user, device.device,
      identity.cipher_suite, codec::encode(identity.credential), identity.signature_public_key);
}

}  // namespace conclave
