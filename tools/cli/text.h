// Names and text as the CLI reads them from the command line and shows them on a terminal.
#pragma once

#include <string>
#include <string_view>

#include "conclave/base/bytes.h"
#include "conclave/client/transport.h"

namespace conclave::cli {

// A user, device, profile or group name the CLI accepts: 1 to 64 printable ASCII characters,
// no space. Names end up on other members' terminals and in file paths, so nothing that could
// move a cursor, start an escape sequence or look like another name is allowed.
bool is_valid_name(std::string_view name);

// Group ids the CLI made are the group's name; another client's may be any bytes, shown (and
// accepted back) as "hex:" and their hex digits.
std::string group_label(BytesView group_id);
Bytes group_id_from_label(std::string_view label);

// "bob", or "bob (device phone)" for a device other than the default one.
std::string device_label(const DeviceRef& device);
// device_label(), and "(you)" or "(device phone, you)" for this device.
std::string member_label(const DeviceRef& device, bool is_self);

// Text received from others, made safe to print: valid UTF-8 without control characters
// (an escape sequence in a message must not rewrite the reader's terminal). Newlines and tabs
// become spaces, other controls and invalid bytes U+FFFD.
std::string printable_text(BytesView text);

// The default device name of a new profile (ClientOptions' default).
inline constexpr std::string_view kDefaultDevice = "main";

}  // namespace conclave::cli
