// Client::wait() on a thread of its own while the client is used on another (client.h: the
// one method that may), as a chat does: it returns when an entry for the device arrives and
// when interrupt() is called, and sync() on the other thread then reads the entry.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <mutex>
#include <thread>

#include "conclave/client/client.h"
#include "conclave/client/local_delivery.h"
#include "conclave/crypto/openssl_provider.h"
#include "conclave/storage/memory_storage.h"

namespace conclave {
namespace {

using std::chrono::milliseconds;

Client open_client(const std::shared_ptr<LocalDeliveryService>& ds, const std::string& user) {
  ClientOptions options;
  options.user = user;
  options.policy.credential_validator = insecure_accept_any_credential();
  Client c = Client::open(crypto::openssl_provider(), std::make_shared<storage::MemoryStorage>(),
                          ds->connect(), options);
  c.register_device();
  return c;
}

TEST(ClientThreads, WaitWakesForAnEntryAndForInterrupt) {
  auto ds = LocalDeliveryService::create();
  Client alice = open_client(ds, "alice");
  Client bob = open_client(ds, "bob");
  const Bytes group = to_bytes(std::string_view("g"));
  alice.create_group(group);
  alice.invite(group, {"bob"});
  bob.sync();

  std::mutex bob_mutex;  // guards bob, as an application's chat would
  std::atomic<int> wakeups{0};
  std::atomic<bool> stop{false};
  std::vector<std::string> received;
  bob.on_event([&](const Event& e) {
    if (e.kind == EventKind::kMessageReceived) received.emplace_back(e.data.begin(), e.data.end());
  });
  std::thread waiter([&] {
    while (!stop) {
      bob.wait(milliseconds(10000));  // not under the mutex: wait() touches only the transport
      ++wakeups;
      std::lock_guard lock(bob_mutex);
      bob.sync();
    }
  });
  const auto start = std::chrono::steady_clock::now();
  alice.send(group, to_bytes(std::string_view("ping")));
  for (int i = 0; i < 500; ++i) {
    {
      std::lock_guard lock(bob_mutex);
      if (!received.empty()) break;
    }
    std::this_thread::sleep_for(milliseconds(10));
  }
  {
    std::lock_guard lock(bob_mutex);
    ASSERT_EQ(received, std::vector<std::string>{"ping"});
  }
  // Woken by the entry, long before the 10 s timeout.
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(5));
  stop = true;
  bob.interrupt();
  waiter.join();
  EXPECT_GE(wakeups.load(), 1);
}

}  // namespace
}  // namespace conclave
