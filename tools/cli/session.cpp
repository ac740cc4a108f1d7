#include "session.h"

#include <algorithm>

#include "cli_error.h"
#include "conclave/client/grpc_transport.h"
#include "conclave/crypto/default_provider.h"
#include "conclave/storage/sqlite_storage.h"
#include "credential_rule.h"
#include "text.h"

namespace conclave::cli {

Session::Session(const Profile& profile, SessionOptions options)
    : profile_(profile), events_(std::make_shared<std::vector<Event>>()) {
  const ProfileConfig& config = profile_.config();
  provider_ = crypto::default_provider();  // libsodium for Ed25519/X25519 where built with it
  try {
    store_ = storage::SqliteStorage::open(profile_.store_path().string(), provider_);
  } catch (const Error& e) {
    throw CliError(kExitRefused, "cannot open the store of profile " + profile_.name() + " (" +
                                     profile_.store_path().string() + "): " + e.detail());
  }
  GrpcTransportOptions transport_options;
  transport_options.address = config.server;
  ClientOptions client_options;
  client_options.user = config.user;
  client_options.device = config.device;
  client_options.policy.credential_validator = acceptable_credential;
  client_options.allow_external_join = options.allow_external_join;
  client_options.identity = std::move(options.identity);
  try {
    client_.emplace(Client::open(provider_, store_, make_grpc_transport(transport_options),
                                 std::move(client_options)));
  } catch (const Error& e) {
    throw explain(e);
  }
  client_->on_event([events = events_](const Event& event) { events->push_back(event); });
}

std::vector<Event> Session::take_events() {
  std::vector<Event> taken;
  taken.swap(*events_);
  return taken;
}

std::vector<std::string> Session::describe_events(const std::vector<Event>& events,
                                                  bool show_epochs) {
  std::vector<std::string> lines;
  for (const Event& event : events) {
    std::optional<std::string> line = describe_event(event, show_epochs);
    if (!line) continue;
    if (event.kind == EventKind::kGroupJoined && client_->has_group(event.group_id))
      *line += " (members: " + member_list(event.group_id) + ")";
    lines.push_back(std::move(*line));
  }
  return lines;
}

void Session::forget_own_commit(BytesView group_id, uint64_t epoch) {
  std::erase_if(*events_, [&](const Event& e) {
    const bool membership = e.kind == EventKind::kMemberAdded ||
                            e.kind == EventKind::kMemberRemoved ||
                            e.kind == EventKind::kEpochChanged || e.kind == EventKind::kGroupJoined;
    return membership && e.epoch == epoch &&
           std::equal(e.group_id.begin(), e.group_id.end(), group_id.begin(), group_id.end());
  });
}

Bytes Session::require_group(std::string_view label) {
  Bytes group_id = group_id_from_label(label);
  if (!client_->has_group(group_id)) {
    throw CliError(kExitNotFound, std::string(profile_.config().user) + " is not a member of " +
                                      std::string(label));
  }
  return group_id;
}

std::string Session::member_list(BytesView group_id) {
  std::string list;
  for (const Member& member : client_->members(group_id)) {
    if (!list.empty()) list += ", ";
    list += member_label(member.device, member.is_self);
  }
  return list;
}

CliError Session::explain(const Error& error) const {
  const std::string& server = profile_.config().server;
  const std::string ds = "the delivery service at " + server;
  if (const auto* delivery = dynamic_cast<const DeliveryError*>(&error)) {
    if (error.code() == ErrorCode::kDeliveryUnavailable)
      return CliError(kExitUnreachable, ds + " is not reachable");
    if (error.code() == ErrorCode::kDeliveryStaleEpoch) {
      return CliError(kExitRefused, "another member's commit came first; run the command again");
    }
    switch (delivery->reason()) {
      case DeliveryErrorCode::kNameTaken:
        return CliError(kExitRefused, "the name " + profile_.config().user + " (device " +
                                          profile_.config().device + ") is registered at " +
                                          server + " with another key");
      case DeliveryErrorCode::kBadSignature:
        return CliError(kExitRefused, ds +
                                          " does not know this device: register it again with "
                                          "`conclave register " +
                                          profile_.config().user + " --server " + server + "`");
      case DeliveryErrorCode::kStaleTimestamp:
        return CliError(kExitRefused,
                        ds + " refused the request's time stamp: check this computer's clock");
      case DeliveryErrorCode::kUnknownUser:
        return CliError(kExitNotFound, ds + " knows no such user (" + error.detail() + ")");
      case DeliveryErrorCode::kUnknownGroup:
        return CliError(kExitNotFound, ds + " knows no such group (" + error.detail() + ")");
      case DeliveryErrorCode::kGroupExists:
        return CliError(kExitRefused, "a group of that name already exists at " + server);
      case DeliveryErrorCode::kNotAMember:
        return CliError(kExitRefused, ds + " says this device is not a member of the group");
      case DeliveryErrorCode::kExternalJoinNotAllowed:
        return CliError(kExitRefused,
                        "the group does not let outsiders join (it was not "
                        "created with --open)");
      case DeliveryErrorCode::kMessageTooLarge:
        return CliError(kExitRefused, "the message is larger than " + ds + " accepts");
      case DeliveryErrorCode::kRateLimited:
        return CliError(kExitRefused, ds + " asks to slow down: too many requests");
      default: return CliError(kExitRefused, ds + " refused the request: " + error.detail());
    }
  }
  switch (error.code()) {
    case ErrorCode::kUnknownUser:  // the detail names the user
      return CliError(kExitNotFound, error.detail());
    case ErrorCode::kNotAMember: return CliError(kExitRefused, "refused: " + error.detail());
    case ErrorCode::kUnknownGroup:
      return CliError(kExitNotFound,
                      "no such group in profile " + profile_.name() + " (" + error.detail() + ")");
    case ErrorCode::kNoKeyPackage:
      return CliError(kExitRefused, "no KeyPackage left to add (" + error.detail() +
                                        "): the user's device publishes new ones when it syncs");
    case ErrorCode::kNotRegistered:
      return CliError(kExitRefused, "this device is not registered yet: run `conclave register " +
                                        profile_.config().user + " --server " + server + "`");
    case ErrorCode::kRetriesExhausted:
      return CliError(kExitRefused,
                      "other members' commits kept coming first; run the command again");
    case ErrorCode::kInvalidHex:
      return CliError(kExitUsage, "a group written as hex:DIGITS needs hex digits");
    case ErrorCode::kStorageConflict:
      return CliError(kExitRefused,
                      "another conclave process changed the profile's store at the "
                      "same time; run the command again");
    case ErrorCode::kStorageCorrupt:
    case ErrorCode::kStorageKeyInvalid:
    case ErrorCode::kStorageSchemaUnsupported:
    case ErrorCode::kStorageBackend:
      return CliError(kExitRefused, "the store of profile " + profile_.name() + " (" +
                                        profile_.store_path().string() +
                                        ") cannot be used: " + error.detail());
    default:
      return CliError(kExitRefused, "refused (" + std::string(error_code_name(error.code())) +
                                        "): " + error.detail());
  }
}

std::optional<std::string> describe_event(const Event& event, bool show_epochs) {
  // Appended: GCC 12 warns falsely (-Wrestrict, its bug 105329) on "[" + a temporary.
  std::string group = "[";
  group += group_label(event.group_id);
  group += "] ";
  switch (event.kind) {
    case EventKind::kMessageReceived:
      return group + printable_text(as_bytes(event.member.user)) + ": " +
             printable_text(event.data);
    case EventKind::kMemberAdded: return group + device_label(event.member) + " joined";
    case EventKind::kMemberRemoved:
      return group + device_label(event.member) + " is no longer a member";
    case EventKind::kGroupJoined: return "you joined " + group_label(event.group_id);
    case EventKind::kRemovedFromGroup:
      return "you were removed from " + group_label(event.group_id);
    case EventKind::kEpochChanged:
      if (!show_epochs) return std::nullopt;
      return group + "new epoch: " + std::to_string(event.epoch);
    case EventKind::kMessageRejected:
      return group + "a message from " + device_label(event.member) +
             " was refused: " + printable_text(as_bytes(event.detail));
    case EventKind::kCommitVetoed:
      return group + "a commit was refused; this device can no longer follow the group: " +
             printable_text(as_bytes(event.detail));
  }
  return std::nullopt;
}

}  // namespace conclave::cli
