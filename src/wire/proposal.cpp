#include "conclave/wire/proposal.h"

namespace conclave::wire {

namespace {

template <class T>
constexpr ProposalType type_of() {
  if constexpr (std::is_same_v<T, Add>) return ProposalType::kAdd;
  if constexpr (std::is_same_v<T, Update>) return ProposalType::kUpdate;
  if constexpr (std::is_same_v<T, Remove>) return ProposalType::kRemove;
  if constexpr (std::is_same_v<T, PreSharedKey>) return ProposalType::kPsk;
  if constexpr (std::is_same_v<T, ReInit>) return ProposalType::kReinit;
  if constexpr (std::is_same_v<T, ExternalInit>) return ProposalType::kExternalInit;
  if constexpr (std::is_same_v<T, GroupContextExtensions>)
    return ProposalType::kGroupContextExtensions;
  if constexpr (std::is_same_v<T, AppDataUpdate>) return ProposalType::kAppDataUpdate;
  if constexpr (std::is_same_v<T, AppEphemeral>) return ProposalType::kAppEphemeral;
  if constexpr (std::is_same_v<T, SelfRemove>) return ProposalType::kSelfRemove;
}

template <class T>
void read_into(codec::Reader& r, Proposal& p) {
  T body;
  codec::read(r, body);
  p.content = std::move(body);
}

}  // namespace

ProposalType Proposal::proposal_type() const {
  return std::visit(
      [](const auto& body) {
        using T = std::decay_t<decltype(body)>;
        if constexpr (std::is_same_v<T, CustomProposal>) {
          return body.proposal_type;
        } else {
          return type_of<T>();
        }
      },
      content);
}

void Proposal::tls_encode(codec::Writer& w) const {
  codec::write(w, proposal_type());
  std::visit(
      [&](const auto& body) {
        using T = std::decay_t<decltype(body)>;
        if constexpr (std::is_same_v<T, CustomProposal>) {
          w.opaque(body.data);
        } else {
          codec::write(w, body);
        }
      },
      content);
}

void Proposal::tls_decode(codec::Reader& r) {
  ProposalType type{};
  codec::read(r, type);
  switch (type) {
    case ProposalType::kAdd: return read_into<Add>(r, *this);
    case ProposalType::kUpdate: return read_into<Update>(r, *this);
    case ProposalType::kRemove: return read_into<Remove>(r, *this);
    case ProposalType::kPsk: return read_into<PreSharedKey>(r, *this);
    case ProposalType::kReinit: return read_into<ReInit>(r, *this);
    case ProposalType::kExternalInit: return read_into<ExternalInit>(r, *this);
    case ProposalType::kGroupContextExtensions: return read_into<GroupContextExtensions>(r, *this);
    // Extensions draft §IANA Considerations: the draft's three proposal types.
    case ProposalType::kAppDataUpdate: return read_into<AppDataUpdate>(r, *this);
    case ProposalType::kAppEphemeral: return read_into<AppEphemeral>(r, *this);
    case ProposalType::kSelfRemove: return read_into<SelfRemove>(r, *this);
  }
  BytesView body = r.opaque();
  content = CustomProposal{type, Bytes(body.begin(), body.end())};
}

}  // namespace conclave::wire
