// Extensions draft §Content Advertisement in a group: the committer's check of the members'
// media types, and the framing of application_data (§Framing of application_data).
#include "content_advertisement.h"

#include <algorithm>
#include <string>

#include "conclave/base/error.h"
#include "conclave/group/group.h"
#include "conclave/wire/media_type.h"

namespace conclave {

namespace detail {

namespace {

void check_leaf(const wire::LeafNode& leaf, const wire::MediaTypeList& required,
                const std::string& who) {
  const auto supported = wire::supported_media_types(leaf.extensions);
  if (!supported || !wire::supports_media_types(*supported, required))
    throw Error(ErrorCode::kMediaTypeUnsupported,
                who + " does not advertise every media type the group requires");
}

}  // namespace

void check_media_type_support(const wire::ExtensionList& next_extensions,
                              const wire::ExtensionList& current_extensions,
                              const tree::RatchetTree& tree,
                              const std::vector<const wire::LeafNode*>& added,
                              const std::vector<uint32_t>& removed) {
  const auto required = wire::required_media_types(next_extensions);
  if (!required) return;
  for (const wire::LeafNode* leaf : added)
    check_leaf(*leaf, *required, "a client to be added");
  if (wire::required_media_types(current_extensions) == required) return;
  for (tree::LeafIndex m : tree.members())
    if (std::find(removed.begin(), removed.end(), m.value) == removed.end())
      check_leaf(*tree.leaf(m), *required, "leaf " + std::to_string(m.value));
}

}  // namespace detail

std::optional<wire::MediaTypeList> Group::required_media_types() const {
  return wire::required_media_types(context_.extensions);
}

wire::MlsMessage Group::protect_framed(const wire::MediaType& media_type, BytesView content,
                                       BytesView aad) {
  // §Framing of application_data: only a group with content_media_types frames its data.
  if (!required_media_types())
    throw Error(ErrorCode::kInvalidArgument,
                "the GroupContext has no content_media_types: application_data is not framed");
  return protect(wire::frame_application_data(media_type, content), aad);
}

wire::ApplicationFraming Group::unframe(const ApplicationMessage& message) const {
  const auto required = required_media_types();
  if (!required)
    throw Error(ErrorCode::kInvalidArgument,
                "the GroupContext has no content_media_types: application_data is not framed");
  return wire::unframe_application_data(message.data, *required);
}

}  // namespace conclave
