// The Delivery Service proper (RFC 9750 §5.2, §5.3): groups and their rosters of devices, the
// order of handshake messages (one commit per epoch, the first), durable storage before the
// reply, and fan-out to per-device queues read with a cursor.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <vector>

#include "accounts.h"
#include "conclave/crypto/provider.h"
#include "database.h"
#include "ds.pb.h"

namespace conclave::ds {

struct DeliveryOptions {
  // Application messages of this many epochs before the current one are still accepted
  // (members may send a little behind a commit they have not fetched yet).
  uint64_t past_epochs = 2;
  // A Send's message, Welcome and GroupInfo are each at most this many bytes.
  size_t max_message_bytes = 1 << 20;
  // No device's queue grows beyond this many entries: a Send that would is refused whole.
  uint64_t max_queue = 100000;
};

class Delivery {
 public:
  // `provider` hashes the SelfRemove proposals an external commit refers to (framing.h).
  Delivery(Database& db, std::shared_ptr<const crypto::CryptoProvider> provider,
           DeliveryOptions options);

  // A new group at epoch 0 whose only member is `device`; GROUP_EXISTS if the id is taken.
  v1::CreateGroupReply create_group(const Device& device, const v1::CreateGroupBody& body);

  // Checks everything first (membership, framing, epoch, roster change, Welcome), then in one
  // transaction stores the message, records a commit's epoch, queues the message to every other
  // member device (the removed ones included: they learn of their removal), applies the roster
  // change and queues the Welcome to the added devices. Nothing is stored when a check fails.
  v1::SendReply send(const Device& device, const v1::SendBody& body);

  // The caller's queue after max(body.after, its acknowledged cursor), in the DS's order.
  v1::FetchReply fetch(const Device& device, const v1::FetchBody& body);

  // The group's latest GroupInfo: to members, and to other devices if the group allows external
  // joins (RFC 9420 §12.4.3.2).
  v1::FetchGroupInfoReply fetch_group_info(const Device& device,
                                           const v1::FetchGroupInfoBody& body);

  // Drops the caller's entries up to `cursor` and remembers it.
  v1::AckReply ack(const Device& device, const v1::AckBody& body);

  // Called after each Send that queued entries commits, with the devices whose queues grew.
  void on_queued(std::function<void(const std::vector<int64_t>&)> hook) {
    on_queued_ = std::move(hook);
  }

 private:
  Database& db_;
  std::shared_ptr<const crypto::CryptoProvider> provider_;
  DeliveryOptions options_;
  std::function<void(const std::vector<int64_t>&)> on_queued_;
};

}  // namespace conclave::ds
