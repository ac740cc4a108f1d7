#include "load_client.h"

#include <algorithm>
#include <cstdio>
#include <thread>
#include <variant>

#include "conclave/base/error.h"
#include "conclave/codec/codec.h"
#include "conclave/crypto/openssl_provider.h"
#include "request_signature.h"

namespace conclave::ds::load {
namespace {

// A single call waits this long for its reply; a retried one gives up after kGiveUp in all
// (the server is restarted within a second or two of a kill).
constexpr auto kCallDeadline = std::chrono::seconds(30);
constexpr auto kGiveUp = std::chrono::seconds(120);
constexpr uint32_t kFetchLimit = 1000;  // the server's maximum

// The load's clients accept every credential: the DS vouched for each device at registration,
// and this program measures the DS, not an Authentication Service (RFC 9420 §5.3.1).
GroupPolicy group_policy() {
  GroupPolicy policy;
  policy.credential_validator = insecure_accept_any_credential();
  return policy;
}

std::string bytes_string(const Bytes& bytes) {
  return std::string(bytes.begin(), bytes.end());
}

std::string encode(const wire::MlsMessage& message) {
  return bytes_string(codec::encode(message));
}

wire::MlsMessage decode(const std::string& bytes) {
  return codec::decode<wire::MlsMessage>(as_bytes(bytes));
}

// The failures of a server that is down or restarting. A Send is safe to repeat on any of them:
// the DS answers a known client message id with its first reply.
bool retryable(const grpc::Status& status) {
  switch (status.error_code()) {
    case grpc::StatusCode::UNAVAILABLE:
    case grpc::StatusCode::DEADLINE_EXCEEDED:
    case grpc::StatusCode::UNKNOWN:
    case grpc::StatusCode::INTERNAL:
    case grpc::StatusCode::CANCELLED: return true;
    default: return false;
  }
}

std::string describe(const char* name, const grpc::Status& status) {
  std::string out = name;
  out += ": status ";
  out += std::to_string(static_cast<int>(status.error_code()));
  out += " ";
  out += status.error_message();
  return out;
}

int64_t steady_ns() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

std::shared_ptr<grpc::Channel> make_channel(const std::string& address) {
  grpc::ChannelArguments args;
  // A restarted server is back within a second: reconnect quickly instead of gRPC's default
  // backoff of up to two minutes.
  args.SetInt(GRPC_ARG_INITIAL_RECONNECT_BACKOFF_MS, 50);
  args.SetInt(GRPC_ARG_MIN_RECONNECT_BACKOFF_MS, 50);
  args.SetInt(GRPC_ARG_MAX_RECONNECT_BACKOFF_MS, 300);
  // One connection per client, as separate devices would have.
  args.SetInt(GRPC_ARG_USE_LOCAL_SUBCHANNEL_POOL, 1);
  return grpc::CreateCustomChannel(address, grpc::InsecureChannelCredentials(), args);
}

}  // namespace

void Stats::finding(const std::string& what) {
  std::lock_guard lock(mutex_);
  findings_.push_back(what);
}

std::vector<std::string> Stats::findings() const {
  std::lock_guard lock(mutex_);
  return findings_;
}

LoadClient::LoadClient(int index, const std::string& address, const Options& options, Stats& stats)
    : index_(index),
      user_(client_name(index)),
      options_(options),
      stats_(stats),
      provider_(crypto::openssl_provider()),
      suite_(provider_, 1),
      identity_(Identity::generate(suite_, basic_credential(user_))),
      channel_(make_channel(address)),
      stub_(v1::DeliveryService::NewStub(channel_)) {}

v1::SignedRequest LoadClient::sign(const char* method, const std::string& body) const {
  v1::SignedRequest request;
  request.set_body(body);
  v1::Auth& auth = *request.mutable_auth();
  auth.set_user(user_);
  auth.set_device("d");
  auth.set_timestamp_ms(
      static_cast<uint64_t>(std::chrono::duration_cast<std::chrono::milliseconds>(
                                std::chrono::system_clock::now().time_since_epoch())
                                .count()));
  const Bytes nonce = provider_->random(16);
  auth.set_nonce(bytes_string(nonce));
  const Bytes signature =
      sign_request(suite_, identity_.signature_private_key.view(), method, auth.user(),
                   auth.device(), auth.timestamp_ms(), nonce, as_bytes(request.body()));
  auth.set_signature(bytes_string(signature));
  return request;
}

template <class Reply>
Reply LoadClient::call(const char* name, Method<Reply> method,
                       const google::protobuf::Message& body, std::atomic<uint64_t>& retries) {
  // Serialized once: every try carries the same body, only the signature and nonce change.
  const std::string bytes = body.SerializeAsString();
  const auto give_up = Clock::now() + kGiveUp;
  auto pause = std::chrono::milliseconds(20);
  while (true) {
    Reply reply;
    grpc::ClientContext context;
    context.set_deadline(std::chrono::system_clock::now() + kCallDeadline);
    const grpc::Status status = (stub_.get()->*method)(&context, sign(name, bytes), &reply);
    if (status.ok()) return reply;
    if (!retryable(status) || Clock::now() > give_up || stats_.abandoned)
      throw CallError(user_ + " " + describe(name, status));
    ++retries;
    std::this_thread::sleep_for(pause);
    pause = std::min(pause * 2, std::chrono::milliseconds(500));
  }
}

void LoadClient::register_device() {
  v1::RegisterBody body;
  body.set_cipher_suite(suite_.id());
  body.set_credential(bytes_string(codec::encode(identity_.credential)));
  body.set_signature_key(bytes_string(identity_.signature_public_key));
  call("Register", &Stub::Register, body, stats_.other_retries);
}

void LoadClient::publish_key_package() {
  bundle_ = create_key_package(suite_, identity_, unix_time_now());
  v1::PublishKeyPackagesBody body;
  body.add_key_packages(encode({bundle_->key_package}));
  call("PublishKeyPackages", &Stub::PublishKeyPackages, body, stats_.other_retries);
}

void LoadClient::create_group(const std::string& group_id, const std::vector<LoadClient*>& others) {
  group_id_ = group_id;
  CommitOptions commit;
  v1::SendBody send;
  for (const LoadClient* other : others) {
    v1::FetchKeyPackagesBody fetch;
    fetch.set_user(other->user());
    const auto reply =
        call("FetchKeyPackages", &Stub::FetchKeyPackages, fetch, stats_.other_retries);
    if (reply.key_packages_size() != 1)
      throw std::runtime_error("no KeyPackage for " + other->user());
    commit.add.push_back(*decode(reply.key_packages(0).key_package()).get<wire::KeyPackage>());
    v1::DeviceRef& ref = *send.add_added();
    ref.set_user(other->user());
    ref.set_device("d");
  }
  CreateOptions create;
  create.group_id = to_bytes(group_id);
  group_ = Group::create(provider_, identity_, create, group_policy());
  v1::CreateGroupBody body;
  body.set_group_id(group_id);
  call("CreateGroup", &Stub::CreateGroup, body, stats_.other_retries);
  const CommitOutput out = group_->commit(commit);
  send.set_group_id(group_id);
  send.set_message(encode(out.commit));
  send.set_welcome(encode(*out.welcome));
  send.set_client_message_id(user_ + "-setup");
  call("Send", &Stub::Send, send, stats_.other_retries);
  group_->merge_pending_commit();
}

void LoadClient::join() {
  v1::FetchBody fetch;
  const auto reply = call("Fetch", &Stub::Fetch, fetch, stats_.other_retries);
  if (reply.entries_size() != 1 || reply.entries(0).kind() != v1::ENTRY_KIND_WELCOME)
    throw std::runtime_error(user_ + " expected one Welcome in its queue");
  const v1::QueueEntry& welcome = reply.entries(0);
  group_ = Group::join(provider_, identity_, *bundle_, decode(welcome.message()), std::nullopt, {},
                       group_policy());
  group_id_ = welcome.group_id();
  last_handled_ = welcome.sequence();
  handled_.insert(last_handled_);
  maybe_ack(true);
}

void LoadClient::learn_roster() {
  for (const MemberInfo& member : group_->members()) {
    const Bytes* id = member.credential.identity();
    if (!id || id->empty() || (*id)[0] != 'c') throw std::runtime_error("unexpected member");
    leaf_to_client_[member.leaf.value] = std::stoi(std::string(id->begin() + 1, id->end()));
  }
}

void LoadClient::send_message(size_t pad) {
  Sent sent;
  sent.counter = next_counter_++;
  // "sender counter send-time padding": the time is taken before protecting, so the latency
  // covers encryption, the Send with its retries, delivery and decryption.
  std::string payload = std::to_string(index_);
  payload += ' ';
  payload += std::to_string(sent.counter);
  payload += ' ';
  payload += std::to_string(steady_ns());
  payload += ' ';
  payload.append(pad, '.');
  v1::SendBody body;
  body.set_group_id(group_id_);
  {
    std::lock_guard lock(mutex_);
    body.set_message(encode(group_->protect(as_bytes(payload))));
  }
  body.set_client_message_id(user_ + "-" + std::to_string(sent.counter));
  try {
    const auto reply = call("Send", &Stub::Send, body, stats_.send_retries);
    sent.sequence = reply.sequence();
    sent.acked = true;
    ++stats_.acked;
  } catch (const CallError& e) {
    stats_.finding(std::string("send failed: ") + e.what());
  }
  sent_.push_back(sent);
}

uint64_t LoadClient::last_handled() const {
  std::lock_guard lock(mutex_);
  return last_handled_;
}

void LoadClient::handle(const v1::QueueEntry& entry) {
  std::lock_guard lock(mutex_);
  const uint64_t sequence = entry.sequence();
  if (!handled_.insert(sequence).second) {
    ++stats_.redeliveries;
    return;
  }
  if (sequence < last_handled_) {
    stats_.finding(user_ + " received sequence " + std::to_string(sequence) + " after " +
                   std::to_string(last_handled_) + ": not in the DS's order");
  }
  last_handled_ = std::max(last_handled_, sequence);
  if (entry.kind() != v1::ENTRY_KIND_MESSAGE || entry.group_id() != group_id_) {
    stats_.finding(user_ + " received an unexpected entry at " + std::to_string(sequence));
    return;
  }
  try {
    auto result = group_->process(decode(entry.message()));
    const auto* app = std::get_if<ApplicationMessage>(&result);
    if (!app) throw std::runtime_error("not an application message");
    handle_application(entry, *app);
  } catch (const std::exception& e) {
    stats_.finding(user_ + " cannot process sequence " + std::to_string(sequence) + ": " +
                   e.what());
  }
}

void LoadClient::handle_application(const v1::QueueEntry& entry, const ApplicationMessage& app) {
  const int64_t now = steady_ns();
  const std::string text(app.data.begin(), app.data.end());
  int sender = -1;
  unsigned long long counter = 0;
  long long sent_at = 0;
  if (std::sscanf(text.c_str(), "%d %llu %lld", &sender, &counter, &sent_at) != 3)
    throw std::runtime_error("malformed payload");
  // The payload's sender must be the MLS sender and the one the DS names.
  const auto leaf = leaf_to_client_.find(app.sender.value);
  if (leaf == leaf_to_client_.end() || leaf->second != sender ||
      entry.sender().user() != client_name(sender))
    throw std::runtime_error("payload, MLS and DS disagree on the sender");
  delivered_.push_back({entry.sequence(), sender, counter});
  latencies_ns_.push_back(now - sent_at);
  ++delivered_count_;
  ++stats_.delivered;
}

void LoadClient::maybe_ack(bool force) {
  // Only the receiving thread acknowledges: acked_cursor_ and acked_count_ are its own.
  uint64_t cursor = 0;
  size_t handled = 0;
  {
    std::lock_guard lock(mutex_);
    cursor = last_handled_;
    handled = handled_.size();
  }
  if (cursor <= acked_cursor_) return;
  if (!force && handled - acked_count_ < static_cast<size_t>(options_.ack_every)) return;
  v1::AckBody body;
  body.set_cursor(cursor);
  call("Ack", &Stub::Ack, body, stats_.other_retries);
  acked_cursor_ = cursor;
  acked_count_ = handled;
}

void LoadClient::receive(const std::atomic<bool>& stop) {
  try {
    if (options_.receive == Receive::kSubscribe)
      subscribe(stop);
    else
      poll(stop);
  } catch (const CallError& e) {
    stats_.finding(std::string("receiver stopped: ") + e.what());
  }
}

void LoadClient::poll(const std::atomic<bool>& stop) {
  while (!stop) {
    v1::FetchBody body;
    body.set_after(last_handled());
    body.set_limit(kFetchLimit);
    const auto reply = call("Fetch", &Stub::Fetch, body, stats_.other_retries);
    for (const v1::QueueEntry& entry : reply.entries())
      handle(entry);
    // An idle client acknowledges all it has; a busy one every ack_every entries.
    maybe_ack(reply.entries_size() == 0);
    if (reply.entries_size() < static_cast<int>(kFetchLimit))
      std::this_thread::sleep_for(std::chrono::milliseconds(options_.poll_ms));
  }
}

void LoadClient::subscribe(const std::atomic<bool>& stop) {
  // While the server is down a new stream fails at once: back off, as for unary calls.
  auto pause = std::chrono::milliseconds(50);
  for (bool first = true;; first = false) {
    if (!first) ++stats_.reconnects;
    auto context = std::make_shared<grpc::ClientContext>();
    {
      // Checked under the lock cancel_stream() takes: a stop is never missed.
      std::lock_guard lock(stream_mutex_);
      if (stop) return;
      stream_ = context;
    }
    v1::SubscribeBody body;
    body.set_after(last_handled());
    auto reader = stub_->Subscribe(context.get(), sign("Subscribe", body.SerializeAsString()));
    v1::QueueEntry entry;
    while (reader->Read(&entry)) {
      handle(entry);
      maybe_ack(false);
      pause = std::chrono::milliseconds(50);
    }
    const grpc::Status status = reader->Finish();
    {
      std::lock_guard lock(stream_mutex_);
      stream_.reset();
      if (stop) return;
    }
    // A stream ends when the server goes away (killed or shut down); anything else is a bug.
    if (!status.ok() && !retryable(status))
      throw CallError(user_ + " " + describe("Subscribe", status));
    std::this_thread::sleep_for(pause);
    pause = std::min(pause * 2, std::chrono::milliseconds(500));
  }
}

void LoadClient::cancel_stream() {
  std::lock_guard lock(stream_mutex_);
  if (stream_) stream_->TryCancel();
}

void LoadClient::final_fetch() {
  while (true) {
    v1::FetchBody body;
    body.set_after(last_handled());
    body.set_limit(kFetchLimit);
    const auto reply = call("Fetch", &Stub::Fetch, body, stats_.other_retries);
    for (const v1::QueueEntry& entry : reply.entries())
      handle(entry);
    if (reply.entries_size() < static_cast<int>(kFetchLimit)) break;
  }
  maybe_ack(true);
}

}  // namespace conclave::ds::load
