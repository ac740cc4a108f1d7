#include "conclave/wire/psk.h"

namespace conclave::wire {

PreSharedKeyId PreSharedKeyId::external(Bytes id, Bytes nonce) {
  PreSharedKeyId out;
  out.psktype = PskType::kExternal;
  out.psk_id = std::move(id);
  out.psk_nonce = std::move(nonce);
  return out;
}

PreSharedKeyId PreSharedKeyId::resumption(ResumptionPskUsage usage, Bytes group_id, uint64_t epoch,
                                          Bytes nonce) {
  PreSharedKeyId out;
  out.psktype = PskType::kResumption;
  out.usage = usage;
  out.psk_group_id = std::move(group_id);
  out.psk_epoch = epoch;
  out.psk_nonce = std::move(nonce);
  return out;
}

PreSharedKeyId PreSharedKeyId::application(ComponentId component_id, Bytes id, Bytes nonce) {
  PreSharedKeyId out;
  out.psktype = PskType::kApplication;
  out.component_id = component_id;
  out.psk_id = std::move(id);
  out.psk_nonce = std::move(nonce);
  return out;
}

void PreSharedKeyId::tls_encode(codec::Writer& w) const {
  codec::write(w, psktype);
  if (psktype == PskType::kExternal) {
    codec::write(w, psk_id);
  } else if (psktype == PskType::kApplication) {
    codec::write(w, component_id);
    codec::write(w, psk_id);
  } else {
    codec::write(w, usage);
    codec::write(w, psk_group_id);
    codec::write(w, psk_epoch);
  }
  codec::write(w, psk_nonce);
}

void PreSharedKeyId::tls_decode(codec::Reader& r) {
  codec::read(r, psktype);  // checked enum: external, resumption and application decode
  if (psktype == PskType::kExternal) {
    codec::read(r, psk_id);
  } else if (psktype == PskType::kApplication) {
    codec::read(r, component_id);
    codec::read(r, psk_id);
  } else {
    codec::read(r, usage);
    codec::read(r, psk_group_id);
    codec::read(r, psk_epoch);
  }
  codec::read(r, psk_nonce);
}

}  // namespace conclave::wire
