// A profile's Client, opened for one command: the device's SQLite store, a gRPC transport to
// the profile's conclave-ds, and the CLI's credential rule. Events the Client reports are
// collected for the command to show.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "cli_error.h"
#include "conclave/base/error.h"
#include "conclave/client/client.h"
#include "conclave/client/transport.h"
#include "conclave/crypto/provider.h"
#include "conclave/storage/storage_provider.h"
#include "profile.h"

namespace conclave::cli {

struct SessionOptions {
  bool allow_external_join = false;  // for the groups this command creates
  // Adopted when the store holds no identity yet (register --identity).
  std::optional<Identity> identity;
};

class Session {
 public:
  Session(const Profile& profile, SessionOptions options = {});

  Client& client() { return *client_; }
  const Profile& profile() const { return profile_; }

  // The events reported since the last call, in order.
  std::vector<Event> take_events();
  // Lines about them for the user (see describe_event); a join lists the group's members.
  std::vector<std::string> event_lines(bool show_epochs) {
    return describe_events(take_events(), show_epochs);
  }
  std::vector<std::string> describe_events(const std::vector<Event>& events, bool show_epochs);
  // Drops the events of this device's own commit that took `group_id` to `epoch` (members
  // added or removed, the new epoch, the group created): the command that made it says so.
  void forget_own_commit(BytesView group_id, uint64_t epoch);

  // The group a GROUP operand names: CliError(kExitNotFound) unless this device is a member.
  Bytes require_group(std::string_view label);
  // "alice (you), bob, carol (device phone)".
  std::string member_list(BytesView group_id);

  // The error in plain words with its exit code (the delivery service named by its address).
  CliError explain(const Error& error) const;

 private:
  Profile profile_;
  std::shared_ptr<const crypto::CryptoProvider> provider_;
  std::shared_ptr<storage::StorageProvider> store_;
  std::optional<Client> client_;
  std::shared_ptr<std::vector<Event>> events_;
};

// One line about an event for the user, or nothing for an event not worth a line
// (`show_epochs`: whether a bare epoch change is).
std::optional<std::string> describe_event(const Event& event, bool show_epochs);

}  // namespace conclave::cli
