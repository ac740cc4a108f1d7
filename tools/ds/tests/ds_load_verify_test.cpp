// The end-of-run checks of conclave-ds-load (tools/ds/load/verify.h), fed made-up logs: each
// promise of issue 14's fault run ("every acknowledged message is delivered to every member
// device exactly once to the application, in the DS's order") has a log that breaks it, and the
// checks must say so; an honest log gives no finding.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "verify.h"

namespace {

using conclave::ds::load::ClientLog;
using conclave::ds::load::Delivered;
using conclave::ds::load::Sent;
using conclave::ds::load::verify;

// One group of three clients (0, 1, 2): 0 sent two messages (sequences 10, 12), 1 sent one (11),
// all acknowledged; each member received the others' in the DS's order.
struct Logs {
  std::vector<std::vector<Sent>> sent = {{{1, 10, true}, {2, 12, true}}, {{1, 11, true}}, {}};
  std::vector<std::vector<Delivered>> delivered = {
      {{11, 1, 1}}, {{10, 0, 1}, {12, 0, 2}}, {{10, 0, 1}, {11, 1, 1}, {12, 0, 2}}};

  std::vector<std::string> findings() const {
    std::vector<ClientLog> logs;
    for (size_t i = 0; i < sent.size(); ++i)
      logs.push_back({sent[i], delivered[i]});
    return verify({{0, 1, 2}}, logs).findings;
  }
};

// The one finding of `logs`, which must start with `kind`.
void expect_finding(const Logs& logs, const std::string& kind) {
  const auto findings = logs.findings();
  ASSERT_FALSE(findings.empty()) << "no finding, expected " << kind;
  bool seen = false;
  for (const auto& f : findings)
    seen = seen || f.rfind(kind, 0) == 0;
  EXPECT_TRUE(seen) << "expected a " << kind << " finding, got: " << findings.front();
}

TEST(DsLoadVerify, AnHonestRunHasNoFinding) {
  EXPECT_TRUE(Logs{}.findings().empty());
}

TEST(DsLoadVerify, AnAcknowledgedMessageThatNeverArrivedIsLost) {
  Logs logs;
  logs.delivered[2].erase(logs.delivered[2].begin() + 1);  // client 1's message, at client 2
  expect_finding(logs, "lost:");
}

TEST(DsLoadVerify, AMessageDeliveredTwiceToTheApplicationIsADuplicate) {
  Logs logs;
  logs.delivered[1].push_back({12, 0, 2});
  expect_finding(logs, "duplicate:");
}

TEST(DsLoadVerify, MessagesOutOfTheDsOrderAreFound) {
  Logs logs;
  std::swap(logs.delivered[1][0], logs.delivered[1][1]);
  expect_finding(logs, "order:");
}

TEST(DsLoadVerify, MembersThatSawDifferentOrdersDiverge) {
  Logs logs;
  // client 2 got client 1's message under another sequence than client 0 did.
  logs.delivered[2] = {{10, 0, 1}, {12, 0, 2}, {13, 1, 1}};
  expect_finding(logs, "divergence:");
}

TEST(DsLoadVerify, AMessageUnderAnotherSequenceThanAcknowledgedIsFound) {
  Logs logs;
  logs.sent[1][0].sequence = 9;
  expect_finding(logs, "sequence:");
}

TEST(DsLoadVerify, OwnAndForeignMessagesAreFound) {
  Logs echo;
  echo.delivered[0].push_back({13, 0, 1});
  expect_finding(echo, "echo:");
  Logs foreign;
  foreign.delivered[2].push_back({13, 1, 7});  // client 1 never sent a seventh message
  expect_finding(foreign, "foreign:");
}

TEST(DsLoadVerify, AnUnacknowledgedMessageReachesAllOrNone) {
  Logs logs;
  logs.sent[2].push_back({1, 0, false});  // client 2's Send never returned
  logs.delivered[0].push_back({13, 2, 1});
  expect_finding(logs, "partial:");
  logs.delivered[1].push_back({13, 2, 1});
  EXPECT_TRUE(logs.findings().empty());
}

}  // namespace
