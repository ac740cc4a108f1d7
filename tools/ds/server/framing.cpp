#include "framing.h"

#include <string>

#include "conclave/base/error.h"
#include "conclave/codec/codec.h"
#include "conclave/wire/message.h"
#include "ds_error.h"

namespace conclave::ds {
namespace {

DsError malformed(const std::string& message) {
  return DsError(grpc::StatusCode::INVALID_ARGUMENT, v1::ERROR_CODE_MALFORMED_MESSAGE, message);
}

wire::MlsMessage decode(BytesView bytes) {
  try {
    return codec::decode<wire::MlsMessage>(bytes);
  } catch (const Error& e) {
    throw malformed(std::string("not an MLSMessage: ") + e.what());
  }
}

}  // namespace

PublicFraming read_framing(BytesView bytes) {
  const wire::MlsMessage message = decode(bytes);
  if (const auto* pub = message.get<wire::PublicMessage>())
    return {pub->content.group_id, pub->content.epoch, pub->content.content_type()};
  if (const auto* priv = message.get<wire::PrivateMessage>())
    return {priv->group_id, priv->epoch, priv->content_type};
  throw malformed("a group message is a PublicMessage or a PrivateMessage");
}

void check_welcome(BytesView bytes) {
  if (!decode(bytes).get<wire::Welcome>()) throw malformed("the welcome is not a Welcome");
}

}  // namespace conclave::ds
