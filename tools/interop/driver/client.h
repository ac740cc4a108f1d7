// A gRPC client of one conclave-interop server that counts every call per RPC.
#pragma once

#include <grpcpp/generic/generic_stub.h>
#include <grpcpp/grpcpp.h>

#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <stdexcept>
#include <string>
#include <vector>

#include "mls_client.grpc.pb.h"

namespace interop_driver {

using Stub = mls_client::MLSClient::Stub;

// Calls and OK replies of one RPC, over the whole run: the driver fails when an RPC of the
// service never answered OK, so that no RPC goes untested.
struct RpcTally {
  uint64_t calls = 0;
  uint64_t ok = 0;
};

class RpcStats {
 public:
  void record(const std::string& rpc, bool ok);
  std::map<std::string, RpcTally> snapshot() const;

 private:
  mutable std::mutex mutex_;
  std::map<std::string, RpcTally> tallies_;
};

RpcStats& rpc_stats();

// The RPC names of service mls_client.MLSClient, read from the compiled proto so that an RPC
// added to the contract is counted without touching the driver.
std::vector<std::string> service_rpcs();

// A non-OK reply where OK was expected.
class RpcError : public std::runtime_error {
 public:
  RpcError(const std::string& where, const grpc::Status& status);
  grpc::StatusCode code() const { return code_; }

 private:
  grpc::StatusCode code_;
};

std::string status_code_name(grpc::StatusCode code);

class Client {
 public:
  // `index`: the server's number in the driver's reports.
  Client(std::string address, int index, std::chrono::milliseconds deadline, bool verbose);

  int index() const { return index_; }
  const std::string& address() const { return address_; }

  // One RPC through the typed stub; the reply or RpcError.
  template <class Req, class Resp>
  Resp call(const char* rpc, grpc::Status (Stub::*method)(grpc::ClientContext*, const Req&, Resp*),
            const Req& request) {
    Resp response;
    grpc::Status status = try_call(rpc, method, request, &response);
    if (!status.ok())
      throw RpcError(std::string(rpc) + " on server " + std::to_string(index_), status);
    return response;
  }

  // The same, returning the status instead of throwing (for requests meant to fail).
  template <class Req, class Resp>
  grpc::Status try_call(const char* rpc,
                        grpc::Status (Stub::*method)(grpc::ClientContext*, const Req&, Resp*),
                        const Req& request, Resp* response) {
    grpc::ClientContext context;
    context.set_deadline(std::chrono::system_clock::now() + deadline_);
    grpc::Status status = ((*stub_).*method)(&context, request, response);
    note(rpc, status);
    return status;
  }

  // Sends `body` as the raw request of `rpc`, bypassing protobuf encoding (requests that no
  // typed stub can produce, such as bytes that are not a protobuf message).
  grpc::Status raw_call(const std::string& rpc, const std::string& body);

  // Empty when the server answers Name; otherwise why not.
  std::string ping();

 private:
  void note(const char* rpc, const grpc::Status& status);

  std::string address_;
  int index_;
  std::chrono::milliseconds deadline_;
  bool verbose_;
  std::shared_ptr<grpc::Channel> channel_;
  std::unique_ptr<Stub> stub_;
  std::unique_ptr<grpc::GenericStub> generic_;
};

// RPC(client, Name, request): the typed call with the RPC's name for counting and messages.
#define RPC(client, Name, request) (client).call(#Name, &::interop_driver::Stub::Name, request)
#define TRY_RPC(client, Name, request, response) \
  (client).try_call(#Name, &::interop_driver::Stub::Name, request, response)

}  // namespace interop_driver
