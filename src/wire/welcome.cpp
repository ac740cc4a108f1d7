#include "conclave/wire/welcome.h"

namespace conclave::wire {

Bytes GroupInfo::to_be_signed() const {
  codec::Writer w;
  codec::write(w, group_context);
  codec::write(w, extensions);
  codec::write(w, confirmation_tag);
  codec::write(w, signer);
  return w.take();
}

}  // namespace conclave::wire
