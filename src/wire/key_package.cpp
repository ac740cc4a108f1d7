#include "conclave/wire/key_package.h"

namespace conclave::wire {

Bytes KeyPackage::to_be_signed() const {
  codec::Writer w;
  codec::write(w, version);
  codec::write(w, cipher_suite);
  codec::write(w, init_key);
  codec::write(w, leaf_node);
  codec::write(w, extensions);
  return w.take();
}

}  // namespace conclave::wire
