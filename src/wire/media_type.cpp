#include "conclave/wire/media_type.h"

#include <algorithm>
#include <string>

#include "conclave/base/error.h"
#include "conclave/wire/app_data.h"
#include "conclave/wire/component.h"

namespace conclave::wire {

namespace {

std::optional<MediaTypeList> media_types_in(const ExtensionList& extensions) {
  const Extension* ext = find_extension(extensions, ExtensionType::kAppDataDictionary);
  if (ext == nullptr) return std::nullopt;
  const AppDataDictionary dictionary = decode_app_data_dictionary(ext->extension_data);
  const ComponentData* entry = find_component(dictionary, component::kContentMediaTypes);
  if (entry == nullptr) return std::nullopt;
  return decode_media_type_list(entry->data);
}

}  // namespace

MediaType MediaType::of(std::string_view type) {
  return MediaType{Bytes(type.begin(), type.end()), {}};
}

MediaTypeList decode_media_type_list(BytesView component_data) {
  auto list = codec::decode<MediaTypeList>(component_data);
  if (list.media_type_list.empty())
    throw Error(ErrorCode::kMediaTypeListEmpty, "a content_media_types component lists no type");
  return list;
}

std::optional<MediaTypeList> required_media_types(const ExtensionList& group_context_extensions) {
  return media_types_in(group_context_extensions);
}

std::optional<MediaTypeList> supported_media_types(const ExtensionList& leaf_extensions) {
  return media_types_in(leaf_extensions);
}

bool supports_media_types(const MediaTypeList& supported, const MediaTypeList& required) {
  const auto& have = supported.media_type_list;
  return std::all_of(
      required.media_type_list.begin(), required.media_type_list.end(),
      [&](const MediaType& t) { return std::find(have.begin(), have.end(), t) != have.end(); });
}

Bytes frame_application_data(const MediaType& media_type, BytesView content) {
  return codec::encode(ApplicationFraming{media_type, Bytes(content.begin(), content.end())});
}

ApplicationFraming unframe_application_data(BytesView application_data,
                                            const MediaTypeList& group_media_types) {
  ApplicationFraming framing;
  try {
    framing = codec::decode<ApplicationFraming>(application_data);
  } catch (const Error& e) {
    throw Error(ErrorCode::kApplicationFramingMalformed,
                std::string("application_data is not an ApplicationFraming: ") + e.what());
  }
  if (framing.media_type.type.empty() && !group_media_types.media_type_list.empty())
    framing.media_type = group_media_types.media_type_list.front();
  return framing;
}

}  // namespace conclave::wire
