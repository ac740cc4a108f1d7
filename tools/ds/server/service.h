// The gRPC DeliveryService (tools/ds/ds.proto): authenticates each call, parses its body and
// hands it to the Authenticator, KeyDirectory or Delivery.
//
// One database connection serves every call of this process, under one mutex: calls are
// serialized, which makes each one a transaction in the DS's order (the simplest correct model;
// see README, "not yet"). Processes sharing a PostgreSQL database are ordered by the database
// (postgres_database.cpp). A transaction the database aborted as transient is run again.
//
// Subscribe streams hold no lock while they wait: each reads its queue under the mutex, writes
// the entries out, and sleeps until a Send of this process (or an announcement of another one)
// names its device.
#pragma once

#include <memory>
#include <mutex>
#include <optional>

#include "authenticator.h"
#include "conclave/crypto/provider.h"
#include "conclave/crypto/x509.h"
#include "database.h"
#include "delivery.h"
#include "ds.grpc.pb.h"
#include "key_directory.h"
#include "queue_signals.h"
#include "rate_limiter.h"
#include "retention.h"

namespace conclave::ds {

struct ServiceOptions {
  uint64_t window_ms = 5 * 60 * 1000;
  DeliveryOptions delivery;
  // KeyPackages a device may hold (unexpired, not yet fetched).
  uint64_t max_key_packages = 1000;
  // Requests per second per device (a token bucket with a burst of as many); 0: no limit.
  uint64_t rate_per_second = 0;
  // A Subscribe stream looks at its queue this often even when nothing woke it: the safety net
  // for announcements that cannot arrive (SQLite shared by two processes; a lost connection).
  uint64_t subscribe_poll_ms = 1000;
  // What X.509 credentials must chain to at Register; none: X.509 credentials are refused.
  std::optional<crypto::X509TrustStore> trust_anchors;
  // The background sweep of delivered messages, old idempotency records, expired KeyPackages.
  RetentionOptions retention;
};

#define CONCLAVE_DS_RPC(name, Reply)                                                \
  grpc::Status name(grpc::ServerContext* context, const v1::SignedRequest* request, \
                    v1::Reply* reply) override

class Service final : public v1::DeliveryService::Service {
 public:
  Service(std::unique_ptr<Database> db, std::shared_ptr<const crypto::CryptoProvider> provider,
          ServiceOptions options);

  CONCLAVE_DS_RPC(Register, RegisterReply);
  CONCLAVE_DS_RPC(PublishKeyPackages, PublishKeyPackagesReply);
  CONCLAVE_DS_RPC(FetchKeyPackages, FetchKeyPackagesReply);
  CONCLAVE_DS_RPC(CreateGroup, CreateGroupReply);
  CONCLAVE_DS_RPC(Send, SendReply);
  CONCLAVE_DS_RPC(Fetch, FetchReply);
  CONCLAVE_DS_RPC(Ack, AckReply);
  CONCLAVE_DS_RPC(FetchGroupInfo, FetchGroupInfoReply);
  grpc::Status Subscribe(grpc::ServerContext* context, const v1::SignedRequest* request,
                         grpc::ServerWriter<v1::QueueEntry>* writer) override;

  // Ends every Subscribe stream (now and later), so that the server can stop: call before
  // grpc::Server::Shutdown, which waits for the calls in flight.
  void shutdown();

 private:
  // Authenticates the request, then takes a token of the device's rate budget.
  Device authenticate(const char* method, const v1::SignedRequest& request);

  std::mutex mutex_;
  std::unique_ptr<Database> db_;
  Authenticator auth_;
  KeyDirectory keys_;
  Delivery delivery_;
  RateLimiter rate_;
  uint64_t subscribe_poll_ms_;
  QueueSignals signals_;
  // Announcements of the other processes on the database (PostgreSQL); null on SQLite.
  std::unique_ptr<QueueListener> listener_;
  // Last: its thread uses the database and the mutex, and stops before they go.
  RetentionSweeper sweeper_;
};

#undef CONCLAVE_DS_RPC

}  // namespace conclave::ds
