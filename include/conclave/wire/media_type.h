/// @file
/// Content Advertisement (draft-ietf-mls-extensions §Content Advertisement): the
/// content_media_types component (a LeafNode's: the media types it can receive; the
/// GroupContext's: the ones every member must support, and application_data is then framed)
/// and the ApplicationFraming of application_data (§Framing of application_data).
#pragma once

#include <optional>
#include <string_view>
#include <vector>

#include "conclave/base/bytes.h"
#include "conclave/codec/codec.h"
#include "conclave/wire/extension.h"

namespace conclave::wire {

/// §Content Advertisement, Syntax: one parameter of a media type. parameter_value holds the
/// content of an RFC 2045 quoted-string without its quotes, and of a quoted-pair without its
/// backslash.
struct MediaTypeParameter {
  Bytes parameter_name;   ///< the attribute, e.g. "charset"
  Bytes parameter_value;  ///< the value, unquoted
  CONCLAVE_TLS_FIELDS(parameter_name, parameter_value)
  /// Field by field.
  friend bool operator==(const MediaTypeParameter&, const MediaTypeParameter&) = default;
};

/// §Content Advertisement, Syntax: an IANA media type, "type/subtype" in `type`.
struct MediaType {
  Bytes type;  ///< e.g. "text/plain"; empty in an ApplicationFraming: the group's first type
  std::vector<MediaTypeParameter> parameters;  ///< zero or more
  CONCLAVE_TLS_FIELDS(type, parameters)
  /// Field by field.
  friend bool operator==(const MediaType&, const MediaType&) = default;
  /// A type without parameters.
  static MediaType of(std::string_view type);
};

/// §Content Advertisement, Syntax: the content of the content_media_types component; "must
/// contain at least one item" (decode_media_type_list()).
struct MediaTypeList {
  std::vector<MediaType> media_type_list;  ///< the media types, at least one
  CONCLAVE_TLS_FIELDS(media_type_list)
  /// Field by field.
  friend bool operator==(const MediaTypeList&, const MediaTypeList&) = default;
};

/// §Framing of application_data: struct { MediaType media_type; opaque
/// inner_application_content<V>; } ApplicationFraming.
struct ApplicationFraming {
  MediaType media_type;             ///< the type of the content
  Bytes inner_application_content;  ///< the application's bytes
  CONCLAVE_TLS_FIELDS(media_type, inner_application_content)
  /// Field by field.
  friend bool operator==(const ApplicationFraming&, const ApplicationFraming&) = default;
};

/// Decodes a content_media_types component's data. Error(kMediaTypeListEmpty) for an empty
/// list; the codec's errors for malformed bytes.
MediaTypeList decode_media_type_list(BytesView component_data);

/// The content_media_types of a GroupContext's app_data_dictionary (the types every member
/// must support, and the sign that application_data is framed); none when absent.
std::optional<MediaTypeList> required_media_types(const ExtensionList& group_context_extensions);
/// The content_media_types of a LeafNode's app_data_dictionary (the types it can receive).
std::optional<MediaTypeList> supported_media_types(const ExtensionList& leaf_extensions);

/// True when `supported` lists every type of `required` (compared by type and parameters).
bool supports_media_types(const MediaTypeList& supported, const MediaTypeList& required);

/// §Framing of application_data: the application_data carrying `content` of `media_type`.
Bytes frame_application_data(const MediaType& media_type, BytesView content);
/// §Framing of application_data: the framing of a received application_data, its empty type
/// replaced by "the first MediaType specified in the content_media_types component in the
/// GroupContext". Error(kApplicationFramingMalformed) for bytes that are no ApplicationFraming.
ApplicationFraming unframe_application_data(BytesView application_data,
                                            const MediaTypeList& group_media_types);

}  // namespace conclave::wire
