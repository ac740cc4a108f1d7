#include "service.h"

#include <cstdio>
#include <exception>
#include <string>

#include "ds_error.h"

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

// Runs one call; every refusal becomes its typed status. Logs name the call and the outcome,
// never message contents or keys.
template <class F>
grpc::Status run(const char* method, F&& call) {
  try {
    call();
    return grpc::Status::OK;
  } catch (const DsError& e) {
    std::fprintf(stderr, "conclave-ds: %s refused: %s\n", method, e.what());
    return e.to_status();
  } catch (const std::exception& e) {
    std::fprintf(stderr, "conclave-ds: %s failed: %s\n", method, e.what());
    return grpc::Status(grpc::StatusCode::INTERNAL, "internal error");
  }
}

}  // namespace

Service::Service(std::unique_ptr<Database> db,
                 std::shared_ptr<const crypto::CryptoProvider> provider, ServiceOptions options)
    : db_(std::move(db)),
      auth_(*db_, provider, options.window_ms),
      keys_(*db_, provider),
      delivery_(*db_, options.delivery) {}

grpc::Status Service::Register(grpc::ServerContext*, const v1::SignedRequest* request,
                               v1::RegisterReply*) {
  return run("Register", [&] {
    std::lock_guard lock(mutex_);
    auth_.register_device(*request);
  });
}

grpc::Status Service::PublishKeyPackages(grpc::ServerContext*, const v1::SignedRequest* request,
                                         v1::PublishKeyPackagesReply* reply) {
  return run("PublishKeyPackages", [&] {
    std::lock_guard lock(mutex_);
    const Device device = auth_.authenticate("PublishKeyPackages", *request);
    *reply = keys_.publish(device, parse<v1::PublishKeyPackagesBody>(*request));
  });
}

grpc::Status Service::FetchKeyPackages(grpc::ServerContext*, const v1::SignedRequest* request,
                                       v1::FetchKeyPackagesReply* reply) {
  return run("FetchKeyPackages", [&] {
    std::lock_guard lock(mutex_);
    auth_.authenticate("FetchKeyPackages", *request);
    *reply = keys_.fetch(parse<v1::FetchKeyPackagesBody>(*request));
  });
}

grpc::Status Service::CreateGroup(grpc::ServerContext*, const v1::SignedRequest* request,
                                  v1::CreateGroupReply* reply) {
  return run("CreateGroup", [&] {
    std::lock_guard lock(mutex_);
    const Device device = auth_.authenticate("CreateGroup", *request);
    *reply = delivery_.create_group(device, parse<v1::CreateGroupBody>(*request));
  });
}

grpc::Status Service::Send(grpc::ServerContext*, const v1::SignedRequest* request,
                           v1::SendReply* reply) {
  return run("Send", [&] {
    std::lock_guard lock(mutex_);
    const Device device = auth_.authenticate("Send", *request);
    *reply = delivery_.send(device, parse<v1::SendBody>(*request));
  });
}

grpc::Status Service::Fetch(grpc::ServerContext*, const v1::SignedRequest* request,
                            v1::FetchReply* reply) {
  return run("Fetch", [&] {
    std::lock_guard lock(mutex_);
    const Device device = auth_.authenticate("Fetch", *request);
    *reply = delivery_.fetch(device, parse<v1::FetchBody>(*request));
  });
}

grpc::Status Service::Ack(grpc::ServerContext*, const v1::SignedRequest* request,
                          v1::AckReply* reply) {
  return run("Ack", [&] {
    std::lock_guard lock(mutex_);
    const Device device = auth_.authenticate("Ack", *request);
    *reply = delivery_.ack(device, parse<v1::AckBody>(*request));
  });
}

grpc::Status Service::FetchGroupInfo(grpc::ServerContext*, const v1::SignedRequest* request,
                                     v1::FetchGroupInfoReply* reply) {
  return run("FetchGroupInfo", [&] {
    std::lock_guard lock(mutex_);
    const Device device = auth_.authenticate("FetchGroupInfo", *request);
    *reply = delivery_.fetch_group_info(device, parse<v1::FetchGroupInfoBody>(*request));
  });
}

}  // namespace conclave::ds
