#include "verify.h"

#include <map>
#include <string>
#include <utility>

namespace conclave::ds::load {
namespace {

using MessageKey = std::pair<int, uint64_t>;  // (sender, counter)

std::string key_text(const MessageKey& key) {
  return client_name(key.first) + "#" + std::to_string(key.second);
}

// What one client's application received: each message with the sequences it came under.
std::map<MessageKey, std::vector<uint64_t>> received_by(const ClientLog& client) {
  std::map<MessageKey, std::vector<uint64_t>> out;
  for (const Delivered& d : client.delivered)
    out[{d.sender, d.counter}].push_back(d.sequence);
  return out;
}

// The sequences `client` received, leaving out the messages sent by `other`.
std::vector<uint64_t> sequences_without(const ClientLog& client, int other) {
  std::vector<uint64_t> out;
  for (const Delivered& d : client.delivered)
    if (d.sender != other) out.push_back(d.sequence);
  return out;
}

void check_one_member(int index, const ClientLog& client, const std::vector<int>& members,
                      const std::map<MessageKey, std::vector<uint64_t>>& received,
                      const std::vector<ClientLog>& clients, std::vector<std::string>& findings) {
  const std::string who = client_name(index);
  uint64_t previous = 0;
  for (const Delivered& d : client.delivered) {
    if (d.sequence <= previous)
      findings.push_back("order: " + who + " received sequence " + std::to_string(d.sequence) +
                         " after " + std::to_string(previous));
    previous = d.sequence;
  }
  for (const auto& [key, sequences] : received) {
    if (sequences.size() > 1)
      findings.push_back("duplicate: " + who + " received " + key_text(key) + " " +
                         std::to_string(sequences.size()) + " times");
    if (key.first == index)
      findings.push_back("echo: " + who + " received its own " + key_text(key));
    bool member = false;
    for (int m : members)
      member = member || m == key.first;
    const bool sent = key.first >= 0 && key.first < static_cast<int>(clients.size()) &&
                      key.second >= 1 && key.second <= clients[key.first].sent.size();
    if (!member || !sent)
      findings.push_back("foreign: " + who + " received " + key_text(key) +
                         ", which no member of its group sent");
  }
}

void check_sent(int sender, const ClientLog& log, const std::vector<int>& members,
                const std::vector<std::map<MessageKey, std::vector<uint64_t>>>& received,
                VerifyResult& result) {
  for (const Sent& s : log.sent) {
    const MessageKey key{sender, s.counter};
    size_t reached = 0;
    for (int m : members) {
      if (m == sender) continue;
      const auto it = received[m].find(key);
      if (it == received[m].end()) {
        if (s.acked)
          result.findings.push_back("lost: acknowledged " + key_text(key) + " (sequence " +
                                    std::to_string(s.sequence) + ") never reached " +
                                    client_name(m));
        continue;
      }
      ++reached;
      if (s.acked && it->second.front() != s.sequence)
        result.findings.push_back("sequence: " + client_name(m) + " received " + key_text(key) +
                                  " as " + std::to_string(it->second.front()) +
                                  ", the DS acknowledged it as " + std::to_string(s.sequence));
    }
    if (!s.acked && reached > 0) {
      ++result.stored_unacked;
      if (reached != members.size() - 1)
        result.findings.push_back("partial: unacknowledged " + key_text(key) + " reached " +
                                  std::to_string(reached) + " of " +
                                  std::to_string(members.size() - 1) + " members");
    }
  }
}

// Any two members received the same messages in the same order, each apart from its own.
void check_same_order(const std::vector<int>& members, const std::vector<ClientLog>& clients,
                      std::vector<std::string>& findings) {
  for (size_t i = 0; i < members.size(); ++i) {
    for (size_t j = i + 1; j < members.size(); ++j) {
      const int a = members[i];
      const int b = members[j];
      if (sequences_without(clients[a], b) != sequences_without(clients[b], a))
        findings.push_back("divergence: " + client_name(a) + " and " + client_name(b) +
                           " received different messages or orders of their group");
    }
  }
}

}  // namespace

VerifyResult verify(const std::vector<std::vector<int>>& groups,
                    const std::vector<ClientLog>& clients) {
  VerifyResult result;
  std::vector<std::map<MessageKey, std::vector<uint64_t>>> received(clients.size());
  for (const auto& members : groups) {
    for (int m : members) {
      received[m] = received_by(clients[m]);
      check_one_member(m, clients[m], members, received[m], clients, result.findings);
    }
    for (int m : members)
      check_sent(m, clients[m], members, received, result);
    check_same_order(members, clients, result.findings);
  }
  return result;
}

}  // namespace conclave::ds::load
