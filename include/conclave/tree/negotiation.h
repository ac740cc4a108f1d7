/// @file
/// Negotiation of wire formats and application components (draft-ietf-mls-extensions
/// §Negotiating Extensions and Components): what a LeafNode supports (its supported_wire_formats
/// extension; the app_components and safe_aad components of its app_data_dictionary) against
/// what the GroupContext requires (required_wire_formats; the same two components there).
///
/// "Supports" follows RFC 9420's own defaults (§7.2, §11.1): RFC 9420's five wire formats are
/// supported by every client, so a leaf without supported_wire_formats supports those and no
/// other; a leaf without an app_components (or safe_aad) component supports no component of
/// that list. Unknown values, GREASE among them, are compared like any other (§GREASE: "MUST
/// be ignored by receivers", RFC 9420 §13.5: "normal logic"): a leaf listing one does not
/// thereby support anything the group requires. Requirements are checked wherever RFC 9420
/// checks required_capabilities (check_required_capabilities calls check_negotiated_support):
/// Add (KeyPackage), Update, Commit path leaf, the tree a joiner receives, the creator's leaf,
/// and every remaining member against a GroupContextExtensions proposal.
#pragma once

#include <optional>
#include <vector>

#include "conclave/tree/ratchet_tree.h"
#include "conclave/wire/app_data.h"
#include "conclave/wire/extension.h"
#include "conclave/wire/leaf_node.h"

namespace conclave::tree {

/// RFC 9420 §17.2: mls_public_message .. mls_key_package, which every client supports; the
/// IANA entries of supported_wire_formats and required_wire_formats list only "non-default"
/// wire formats.
bool is_default_wire_format(uint16_t wire_format);

/// The wire formats of an extension of `extension_type` (supported_wire_formats in a LeafNode,
/// required_wire_formats in a GroupContext) among `extensions`; none when absent. The codec's
/// errors for malformed data.
std::optional<wire::WireFormats> wire_formats_of(const wire::ExtensionList& extensions,
                                                 wire::ExtensionType extension_type);

/// The ComponentsList of component `list` (component::kAppComponents or component::kSafeAad) in
/// the app_data_dictionary among `extensions` (a LeafNode's: supported; a GroupContext's:
/// required); none when there is no dictionary or no such component. Error
/// (kAppDataDictionaryUnsorted) and the codec's errors for malformed data.
std::optional<wire::ComponentsList> components_of(const wire::ExtensionList& extensions,
                                                  wire::ComponentId list);

/// kAppComponentsMissing: §Attaching Application Data, "Every implementation that advertises
/// support for the app_data_dictionary extension MUST understand and advertise the
/// app_components component": a leaf listing app_data_dictionary in capabilities.extensions
/// carries an app_data_dictionary extension with an app_components component.
void check_app_components_advertised(const wire::LeafNode& leaf, LeafIndex index);

/// kRequiredWireFormatUnsupported, kRequiredComponentUnsupported: the leaf supports every
/// non-default wire format, app component and safe AAD component `group_context_extensions`
/// requires.
void check_negotiated_support(const wire::LeafNode& leaf, LeafIndex index,
                              const wire::ExtensionList& group_context_extensions);

/// kGreaseRequired: no GREASE value among the wire formats and components that
/// `group_context_extensions` requires. RFC 9420 §13.5 keeps GREASE out of the GroupContext;
/// the draft's §GREASE places component GREASE in LeafNodes, KeyPackages and GroupInfos only.
/// Checked on the GroupContexts this library makes (creation, GroupContextExtensions).
void check_no_grease_required(const wire::ExtensionList& group_context_extensions);

}  // namespace conclave::tree
