#include "conclave/wire/commit.h"

namespace conclave::wire {

void ProposalOrRef::tls_encode(codec::Writer& w) const {
  if (const auto* p = proposal()) {
    codec::write(w, ProposalOrRefType::kProposal);
    codec::write(w, *p);
  } else {
    codec::write(w, ProposalOrRefType::kReference);
    codec::write(w, *reference());
  }
}

void ProposalOrRef::tls_decode(codec::Reader& r) {
  ProposalOrRefType type{};
  codec::read(r, type);  // checked enum
  if (type == ProposalOrRefType::kProposal) {
    Proposal p;
    codec::read(r, p);
    value = std::move(p);
  } else {
    ProposalRef ref;
    codec::read(r, ref);
    value = std::move(ref);
  }
}

}  // namespace conclave::wire
