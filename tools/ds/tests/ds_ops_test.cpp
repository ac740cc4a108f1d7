// conclave-ds for operators: gRPC's standard health service, and one structured log line per
// call (tools/ds/README.md, "Running it").
#include <grpcpp/generic/generic_stub.h>
#include <gtest/gtest.h>

#include <fstream>
#include <future>
#include <sstream>

#include "conclave/base/bytes.h"
#include "ds_fixture.h"

namespace ds_test {
namespace {

// grpc.health.v1.Health/Check for the server as a whole (service ""), by hand-encoded
// protobuf (Debian ships no health.proto): the request is empty; the reply's field 1 is the
// ServingStatus, SERVING = 1.
TEST_F(DsTest, HealthCheckAnswersServing) {
  auto channel = grpc::CreateChannel(server_->address(), grpc::InsecureChannelCredentials());
  grpc::GenericStub stub(channel);
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
  // HealthCheckRequest{service: ""} encodes to no bytes (a ByteBuffer of one empty slice: a
  // default-constructed one is no message at all).
  grpc::Slice empty{std::string()};
  grpc::ByteBuffer request(&empty, 1);
  grpc::ByteBuffer response;
  std::promise<grpc::Status> done;
  stub.UnaryCall(&context, "/grpc.health.v1.Health/Check", grpc::StubOptions(), &request, &response,
                 [&](grpc::Status status) { done.set_value(status); });
  const grpc::Status status = done.get_future().get();
  ASSERT_TRUE(status.ok()) << status.error_message();
  std::vector<grpc::Slice> slices;
  ASSERT_TRUE(response.Dump(&slices).ok());
  std::string bytes;
  for (const auto& s : slices)
    bytes.append(reinterpret_cast<const char*>(s.begin()), s.size());
  EXPECT_EQ(bytes, std::string("\x08\x01", 2));
}

std::vector<std::string> lines_of(const std::string& path) {
  std::ifstream in(path);
  std::vector<std::string> out;
  for (std::string line; std::getline(in, line);)
    if (line.rfind("conclave-ds method=", 0) == 0) out.push_back(line);
  return out;
}

// README: one line per call on stderr, key=value fields (method, user, device, group id hex
// prefix, status, typed code, duration), never message bytes or keys.
TEST_F(DsTest, OneStructuredLogLinePerCall) {
  const std::string log_path = dir_->path() + "/ds.log";
  restart({}, log_path);
  auto alice = client("alice");
  auto bob = client("bob");
  auto carol = client("carol");
  ASSERT_NO_FATAL_FAILURE(group_of_three(*alice, *bob, *carol));
  const auto secret = alice->group->protect(conclave::as_bytes("the secret plan"));
  ASSERT_TRUE(alice->send(secret).ok());
  // A refusal: mallory posts to a group she is not in.
  auto mallory = client("mallory");
  v1::SendBody body = alice->last_send();
  body.set_client_message_id("m-1");
  ASSERT_EQ(mallory->call(kSend, body).detail.code(), v1::ERROR_CODE_NOT_A_MEMBER);
  alice.reset();
  bob.reset();
  carol.reset();
  mallory.reset();
  ASSERT_EQ(server_->stop(), 0);  // every line written

  const auto lines = lines_of(log_path);
  // 4 Register, 2 PublishKeyPackages, 2 FetchKeyPackages, CreateGroup, 3 Send (the commit,
  // the message, mallory's), 2 Fetch + 2 Ack (bob's and carol's sync).
  EXPECT_EQ(lines.size(), 16u);
  size_t sends = 0;
  bool refusal_logged = false;
  for (const std::string& line : lines) {
    for (const char* key : {" user=", " device=", " group=", " status=", " code=", " duration_us="})
      EXPECT_NE(line.find(key), std::string::npos) << line;
    if (line.find("method=Send ") != std::string::npos) {
      ++sends;
      EXPECT_NE(line.find(" group=67726f75702d31 "), std::string::npos) << line;  // "group-1"
    }
    if (line.find("user=mallory") != std::string::npos &&
        line.find("method=Send ") != std::string::npos) {
      refusal_logged = true;
      EXPECT_NE(line.find(" status=PERMISSION_DENIED code=NOT_A_MEMBER "), std::string::npos)
          << line;
    }
  }
  EXPECT_EQ(sends, 3u);
  EXPECT_TRUE(refusal_logged);
  // Never message bytes: neither the plaintext nor the ciphertext, raw or in hex.
  std::ifstream in(log_path);
  std::stringstream all;
  all << in.rdbuf();
  const std::string text = all.str();
  const std::string wire = encode_message(secret);
  EXPECT_EQ(text.find("secret plan"), std::string::npos);
  EXPECT_EQ(text.find(wire.substr(wire.size() - 16)), std::string::npos);
  EXPECT_EQ(text.find(conclave::to_hex(conclave::as_bytes(wire).last(16))), std::string::npos);
}

}  // namespace
}  // namespace ds_test
