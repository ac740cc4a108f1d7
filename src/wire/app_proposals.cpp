#include "conclave/wire/app_proposals.h"

#include <algorithm>
#include <string>

#include "conclave/base/error.h"

namespace conclave::wire {

void AppDataUpdate::tls_encode(codec::Writer& w) const {
  codec::write(w, component_id);
  codec::write(w, op);
  // Draft §AppDataUpdate: `case remove: struct{};`, so a remove carries no bytes at all.
  if (op == AppDataUpdateOperation::kUpdate) w.opaque(update);
}

void AppDataUpdate::tls_decode(codec::Reader& r) {
  codec::read(r, component_id);
  codec::read(r, op);  // checked: update or remove
  update.clear();
  if (op == AppDataUpdateOperation::kUpdate) codec::read(r, update);
}

void check_app_ack(const AppAck& ack) {
  for (const MessageRange& range : ack.received_ranges) {
    if (range.first_generation > range.last_generation)
      throw Error(ErrorCode::kAppAckRangeInvalid, "sender " + std::to_string(range.sender) +
                                                      ": generations " +
                                                      std::to_string(range.first_generation) +
                                                      ".." + std::to_string(range.last_generation));
  }
}

AppAck decode_app_ack(BytesView data) {
  auto ack = codec::decode<AppAck>(data);
  check_app_ack(ack);
  return ack;
}

AppAck make_app_ack(std::vector<std::pair<uint32_t, uint32_t>> received) {
  std::sort(received.begin(), received.end());
  received.erase(std::unique(received.begin(), received.end()), received.end());
  AppAck ack;
  for (const auto& [sender, generation] : received) {
    if (!ack.received_ranges.empty()) {
      MessageRange& last = ack.received_ranges.back();
      if (last.sender == sender && last.last_generation + 1 == generation) {
        last.last_generation = generation;
        continue;
      }
    }
    ack.received_ranges.push_back(MessageRange{sender, generation, generation});
  }
  return ack;
}

}  // namespace conclave::wire
