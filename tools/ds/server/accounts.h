// Registered devices (the Authentication Service's records): lookups shared by every service.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "conclave/base/bytes.h"
#include "database.h"

namespace conclave::ds {

struct Device {
  int64_t id = 0;
  std::string user;
  std::string device;
  uint16_t cipher_suite = 0;
  Bytes credential;  // TLS-encoded MLS Credential
  Bytes signature_key;
};

// False for a name no device can have: one with a NUL character, which PostgreSQL's text cannot
// hold. Register refuses such names on every backend, and lookups find no device by them.
bool storable_name(std::string_view name);

std::optional<Device> find_device(Database& db, std::string_view user, std::string_view device);
std::optional<Device> find_device(Database& db, int64_t id);
// Every device of the user, in registration order (empty for an unknown user).
std::vector<Device> devices_of_user(Database& db, std::string_view user);

}  // namespace conclave::ds
