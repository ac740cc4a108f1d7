// Internal to group/: how the leaves this library creates take part in the extensions draft's
// negotiation (§Attaching Application Data, §Negotiating Extensions and Components, §GREASE).
#pragma once

#include "conclave/crypto/suite.h"
#include "conclave/wire/extension.h"
#include "conclave/wire/leaf_node.h"

namespace conclave::detail {

// For a KeyPackage leaf being built (before it is signed), once its capabilities are final:
// - §Attaching Application Data: a leaf supporting app_data_dictionary "MUST understand and
//   advertise the app_components component": its dictionary gets an app_components list naming
//   app_components, safe_aad (which it must understand) and every component it carries data for
//   (as §Content Advertisement does for content_media_types); an application's own list is kept
//   and completed.
// - §GREASE, when `grease`: one random GREASE component id in that list and in the leaf's
//   safe_aad list (if any), one GREASE entry (random data) in the leaf's dictionary and in the
//   KeyPackage's (`key_package_extensions`) if it has one. Lists stay sorted when they were.
void advertise_components(const crypto::Suite& suite, wire::LeafNode& leaf,
                          wire::ExtensionList& key_package_extensions, bool grease);

}  // namespace conclave::detail
