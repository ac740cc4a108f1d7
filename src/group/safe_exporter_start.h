// Internal to group/: how an epoch's Exporter Tree starts (extensions draft §Exported Secrets).
#pragma once

#include <optional>
#include <utility>

#include "conclave/crypto/suite.h"
#include "conclave/schedule/exporter_tree.h"
#include "conclave/schedule/key_schedule.h"

namespace conclave::detail {

// The epoch's Exporter Tree, its root moved out of `secrets` so that no copy of it outlives the
// tree (§9.2). None when the secrets carry no root (a pending commit stored by an earlier build).
inline std::optional<schedule::ExporterTree> start_exporter_tree(const crypto::Suite& suite,
                                                                 schedule::EpochSecrets& secrets) {
  if (secrets.application_export_secret.empty()) return std::nullopt;
  std::optional<schedule::ExporterTree> tree;
  tree.emplace(suite, std::move(secrets.application_export_secret));
  secrets.application_export_secret = SecretBytes();
  return tree;
}

}  // namespace conclave::detail
