#include "service.h"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <exception>
#include <string>
#include <string_view>

#include "ds_error.h"
#include "log_value.h"

namespace conclave::ds {
namespace {

template <class Body>
Body parse(const v1::SignedRequest& request) {
  Body body;
  if (!body.ParseFromString(request.body()))
    throw DsError(grpc::StatusCode::INVALID_ARGUMENT, v1::ERROR_CODE_MALFORMED_REQUEST,
                  "the body does not parse");
  return body;
}

// What a log line may say of a call: names and a group id prefix, never message bytes or keys.
struct CallLog {
  std::string group;  // the group id the body names, if any
};

// The first 8 bytes of a group id, in hex: enough to follow a group through the log.
std::string group_prefix(std::string_view group_id) {
  if (group_id.empty()) return "-";
  std::string out;
  for (const char c : group_id.substr(0, 8)) {
    char hex[3];
    std::snprintf(hex, sizeof hex, "%02x", static_cast<unsigned char>(c));
    out += hex;
  }
  return out;
}

const char* status_name(grpc::StatusCode code) {
  switch (code) {
    case grpc::StatusCode::OK: return "OK";
    case grpc::StatusCode::INVALID_ARGUMENT: return "INVALID_ARGUMENT";
    case grpc::StatusCode::NOT_FOUND: return "NOT_FOUND";
    case grpc::StatusCode::ALREADY_EXISTS: return "ALREADY_EXISTS";
    case grpc::StatusCode::PERMISSION_DENIED: return "PERMISSION_DENIED";
    case grpc::StatusCode::RESOURCE_EXHAUSTED: return "RESOURCE_EXHAUSTED";
    case grpc::StatusCode::FAILED_PRECONDITION: return "FAILED_PRECONDITION";
    case grpc::StatusCode::ABORTED: return "ABORTED";
    case grpc::StatusCode::UNAUTHENTICATED: return "UNAUTHENTICATED";
    case grpc::StatusCode::INTERNAL: return "INTERNAL";
    case grpc::StatusCode::UNAVAILABLE: return "UNAVAILABLE";
    default: return "OTHER";
  }
}

std::string code_name(v1::ErrorCode code) {
  constexpr std::string_view kPrefix = "ERROR_CODE_";
  std::string name = v1::ErrorCode_Name(code);
  if (name.rfind(kPrefix, 0) == 0) name.erase(0, kPrefix.size());
  return name.empty() ? "UNKNOWN" : name;
}

// Runs one call; every refusal becomes its typed status. One log line per call on stderr:
//   conclave-ds method=Send user=alice device=phone group=67726f75702d31 status=ABORTED
//   code=STALE_EPOCH duration_us=812
// The refusal's reason is not logged: the typed code says it, and the client has the text.
template <class F>
grpc::Status run(const char* method, const v1::SignedRequest& request, F&& call) {
  const auto start = std::chrono::steady_clock::now();
  CallLog log;
  grpc::Status status = grpc::Status::OK;
  v1::ErrorCode code = v1::ERROR_CODE_UNSPECIFIED;
  std::string internal;
  try {
    call(log);
  } catch (const DsError& e) {
    status = e.to_status();
    code = e.code();
  } catch (const ConnectionLost& e) {
    // The database server is away (restarting): nothing was written, and a retry later may
    // succeed, which is what UNAVAILABLE tells a client.
    internal = " internal_error=";
    internal += log_value(e.what());
    status = grpc::Status(grpc::StatusCode::UNAVAILABLE, "the database is unavailable");
  } catch (const std::exception& e) {
    // An internal failure is the operator's concern: its reason is logged, not returned.
    internal = " internal_error=";
    internal += log_value(e.what());
    status = grpc::Status(grpc::StatusCode::INTERNAL, "internal error");
  }
  const auto duration = std::chrono::duration_cast<std::chrono::microseconds>(
      std::chrono::steady_clock::now() - start);
  // One fprintf, so that lines of concurrent calls do not interleave.
  std::fprintf(
      stderr,
      "conclave-ds method=%s user=%s device=%s group=%s status=%s code=%s duration_us=%lld%s\n",
      method, log_value(request.auth().user()).c_str(), log_value(request.auth().device()).c_str(),
      group_prefix(log.group).c_str(), status_name(status.error_code()),
      status.ok() ? "OK" : code_name(code).c_str(), static_cast<long long>(duration.count()),
      internal.c_str());
  return status;
}

}  // namespace

Service::Service(std::unique_ptr<Database> db,
                 std::shared_ptr<const crypto::CryptoProvider> provider, ServiceOptions options)
    : db_(std::move(db)),
      auth_(*db_, provider, options.window_ms, CredentialCheck(options.trust_anchors)),
      keys_(*db_, provider, options.max_key_packages),
      delivery_(*db_, provider, options.delivery),
      rate_(options.rate_per_second),
      subscribe_poll_ms_(options.subscribe_poll_ms),
      sweeper_(*db_, mutex_, options.retention) {
  delivery_.on_queued([this](const std::vector<int64_t>& devices) { signals_.wake(devices); });
  listener_ = db_->listen([this](const std::vector<int64_t>& devices) { signals_.wake(devices); });
}

void Service::shutdown() {
  signals_.close();
}

Device Service::authenticate(const char* method, const v1::SignedRequest& request) {
  Device device = retry_transient([&] { return auth_.authenticate(method, request); });
  // After authentication, so that nobody can spend another device's budget.
  if (!rate_.allow(device.id, std::chrono::steady_clock::now()))
    throw DsError(grpc::StatusCode::RESOURCE_EXHAUSTED, v1::ERROR_CODE_RATE_LIMITED,
                  "too many requests from this device; retry later");
  return device;
}

grpc::Status Service::Register(grpc::ServerContext*, const v1::SignedRequest* request,
                               v1::RegisterReply*) {
  return run("Register", *request, [&](CallLog&) {
    std::lock_guard lock(mutex_);
    retry_transient([&] { auth_.register_device(*request); });
  });
}

grpc::Status Service::PublishKeyPackages(grpc::ServerContext*, const v1::SignedRequest* request,
                                         v1::PublishKeyPackagesReply* reply) {
  return run("PublishKeyPackages", *request, [&](CallLog&) {
    std::lock_guard lock(mutex_);
    const Device device = authenticate("PublishKeyPackages", *request);
    const auto body = parse<v1::PublishKeyPackagesBody>(*request);
    *reply = retry_transient([&] { return keys_.publish(device, body); });
  });
}

grpc::Status Service::FetchKeyPackages(grpc::ServerContext*, const v1::SignedRequest* request,
                                       v1::FetchKeyPackagesReply* reply) {
  return run("FetchKeyPackages", *request, [&](CallLog&) {
    std::lock_guard lock(mutex_);
    authenticate("FetchKeyPackages", *request);
    const auto body = parse<v1::FetchKeyPackagesBody>(*request);
    *reply = retry_transient([&] { return keys_.fetch(body); });
  });
}

grpc::Status Service::CreateGroup(grpc::ServerContext*, const v1::SignedRequest* request,
                                  v1::CreateGroupReply* reply) {
  return run("CreateGroup", *request, [&](CallLog& log) {
    std::lock_guard lock(mutex_);
    const Device device = authenticate("CreateGroup", *request);
    const auto body = parse<v1::CreateGroupBody>(*request);
    log.group = body.group_id();
    *reply = retry_transient([&] { return delivery_.create_group(device, body); });
  });
}

grpc::Status Service::Send(grpc::ServerContext*, const v1::SignedRequest* request,
                           v1::SendReply* reply) {
  return run("Send", *request, [&](CallLog& log) {
    std::lock_guard lock(mutex_);
    const Device device = authenticate("Send", *request);
    const auto body = parse<v1::SendBody>(*request);
    log.group = body.group_id();
    *reply = retry_transient([&] { return delivery_.send(device, body); });
  });
}

grpc::Status Service::Fetch(grpc::ServerContext*, const v1::SignedRequest* request,
                            v1::FetchReply* reply) {
  return run("Fetch", *request, [&](CallLog&) {
    std::lock_guard lock(mutex_);
    const Device device = authenticate("Fetch", *request);
    const auto body = parse<v1::FetchBody>(*request);
    *reply = retry_transient([&] { return delivery_.fetch(device, body); });
  });
}

grpc::Status Service::Ack(grpc::ServerContext*, const v1::SignedRequest* request,
                          v1::AckReply* reply) {
  return run("Ack", *request, [&](CallLog&) {
    std::lock_guard lock(mutex_);
    const Device device = authenticate("Ack", *request);
    const auto body = parse<v1::AckBody>(*request);
    *reply = retry_transient([&] { return delivery_.ack(device, body); });
  });
}

grpc::Status Service::FetchGroupInfo(grpc::ServerContext*, const v1::SignedRequest* request,
                                     v1::FetchGroupInfoReply* reply) {
  return run("FetchGroupInfo", *request, [&](CallLog& log) {
    std::lock_guard lock(mutex_);
    const Device device = authenticate("FetchGroupInfo", *request);
    const auto body = parse<v1::FetchGroupInfoBody>(*request);
    log.group = body.group_id();
    *reply = retry_transient([&] { return delivery_.fetch_group_info(device, body); });
  });
}

}  // namespace conclave::ds

namespace conclave::ds {

// The stream is the queue read in batches, as Fetch reads it, from `after` on; between batches
// it waits for a signal naming its device (or the poll interval). It is at least once by
// construction: it never skips, and a client that reconnects from its last sequence gets the
// rest.
grpc::Status Service::Subscribe(grpc::ServerContext* context, const v1::SignedRequest* request,
                                grpc::ServerWriter<v1::QueueEntry>* writer) {
  Device device;
  v1::SubscribeBody body;
  grpc::Status status = run("Subscribe", *request, [&](CallLog&) {
    std::lock_guard lock(mutex_);
    device = authenticate("Subscribe", *request);
    body = parse<v1::SubscribeBody>(*request);
  });
  if (!status.ok()) return status;

  constexpr uint32_t kBatch = 100;
  // How long a stream waits before reading again while the database server is away.
  constexpr std::chrono::milliseconds kDatabaseRetry{250};
  QueueSignals::Subscription subscription(signals_, device.id);
  v1::FetchBody fetch;
  fetch.set_after(body.after());
  fetch.set_limit(kBatch);
  bool database_away = false;
  while (!context->IsCancelled()) {
    // Before the read: a Send that commits after it moves the generation, and wait() returns.
    const uint64_t seen = subscription.generation();
    v1::FetchReply batch;
    try {
      std::lock_guard lock(mutex_);
      batch = retry_transient([&] { return delivery_.fetch(device, fetch); });
    } catch (const ConnectionLost& e) {
      // The database server is away: the stream stays open and reads again on the next wake
      // (the listener wakes every stream once it is connected again) or after a short wait.
      // One line per outage, not one per attempt.
      if (!database_away)
        std::fprintf(stderr,
                     "conclave-ds method=Subscribe user=%s device=%s status=UNAVAILABLE "
                     "internal_error=%s\n",
                     log_value(device.user).c_str(), log_value(device.device).c_str(),
                     log_value(e.what()).c_str());
      database_away = true;
      const auto retry = std::min<std::chrono::milliseconds>(
          std::chrono::milliseconds(subscribe_poll_ms_), kDatabaseRetry);
      if (!subscription.wait(seen, retry))
        return grpc::Status(grpc::StatusCode::UNAVAILABLE, "the server is shutting down");
      continue;
    } catch (const std::exception& e) {
      // The call was logged when it started; its end is worth a line only when it fails.
      std::fprintf(stderr,
                   "conclave-ds method=Subscribe user=%s device=%s status=INTERNAL "
                   "internal_error=%s\n",
                   log_value(device.user).c_str(), log_value(device.device).c_str(),
                   log_value(e.what()).c_str());
      return grpc::Status(grpc::StatusCode::INTERNAL, "internal error");
    }
    database_away = false;
    for (const v1::QueueEntry& entry : batch.entries()) {
      if (!writer->Write(entry)) return grpc::Status::CANCELLED;  // the client went away
      fetch.set_after(entry.sequence());
    }
    if (batch.entries_size() == static_cast<int>(kBatch)) continue;  // more may be waiting
    if (!subscription.wait(seen, std::chrono::milliseconds(subscribe_poll_ms_)))
      return grpc::Status(grpc::StatusCode::UNAVAILABLE, "the server is shutting down");
  }
  return grpc::Status::CANCELLED;
}

}  // namespace conclave::ds
