// Internal to group/: the committer's side of Content Advertisement (extensions draft
// §Content Advertisement, Expected Behavior).
#pragma once

#include <cstdint>
#include <vector>

#include "conclave/tree/ratchet_tree.h"
#include "conclave/wire/extension.h"
#include "conclave/wire/leaf_node.h"

namespace conclave::detail {

// "MLS clients SHOULD NOT add an MLS client to an MLS group with content_media_types in its
// GroupContext unless all the members (after taking into account any membership changes in
// the valid pending Proposals) advertise support for all the required media types": the new
// epoch's required types (from `next_extensions`) against each added leaf, and against every
// remaining member when the requirement changes (`current_extensions` is this epoch's).
// Error(kMediaTypeUnsupported) otherwise.
void check_media_type_support(const wire::ExtensionList& next_extensions,
                              const wire::ExtensionList& current_extensions,
                              const tree::RatchetTree& tree,
                              const std::vector<const wire::LeafNode*>& added,
                              const std::vector<uint32_t>& removed);

}  // namespace conclave::detail
