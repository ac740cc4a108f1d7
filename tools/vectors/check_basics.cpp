// tree-math, crypto-basics and deserialization vectors (test-vectors README).
#include <cstdint>
#include <string>
#include <string_view>

#include "conclave/codec/codec.h"
#include "conclave/crypto/suite.h"
#include "conclave/tree/tree_math.h"
#include "vectors/checks.h"

namespace conclave::vectors {

namespace {

// A node index or null (-1), as the vectors write them.
int64_t index_or_null(const Json& value, std::string_view field) {
  return value.is_null() ? -1 : int64_t{read_uint<uint32_t>(value, field)};
}

void expect_index(const char* what, uint32_t node, int64_t actual, const Json& expected) {
  const int64_t want =
      index_or_null(expected, std::string(what) + "[" + std::to_string(node) + "]");
  if (actual != want) {
    std::string message = what;
    message += "[";
    message += std::to_string(node);
    message += "]: got ";
    message += std::to_string(actual);
    message += ", want ";
    message += std::to_string(want);
    throw CheckFailure(message);
  }
}

}  // namespace

void check_tree_math(const Json& c, const CheckContext&) {
  using namespace conclave::tree;
  const LeafCount n(uint_field<uint32_t>(c, "n_leaves"));
  const uint32_t width = node_width(n);
  expect_true("n_nodes", width == uint_field<uint32_t>(c, "n_nodes"));
  expect_true("root", root(n).value == uint_field<uint32_t>(c, "root"));
  for (const char* key : {"left", "right", "parent", "sibling"})
    expect_true("array length", c.at(key).size() == width);
  const NodeIndex r = root(n);
  for (uint32_t i = 0; i < width; ++i) {
    const NodeIndex x(i);
    const bool leaf = x.is_leaf();
    const bool is_root = x == r;
    expect_index("left", i, leaf ? -1 : int64_t{left(x).value}, c.at("left").at(i));
    expect_index("right", i, leaf ? -1 : int64_t{right(x).value}, c.at("right").at(i));
    expect_index("parent", i, is_root ? -1 : int64_t{parent(x, n).value}, c.at("parent").at(i));
    expect_index("sibling", i, is_root ? -1 : int64_t{sibling(x, n).value}, c.at("sibling").at(i));
  }
}

void check_crypto_basics(const Json& c, const CheckContext& ctx) {
  const crypto::Suite suite(ctx.provider, uint_field<uint16_t>(c, "cipher_suite"));

  const Json& ref = c.at("ref_hash");
  expect_bytes("ref_hash",
               suite.ref_hash(ref.at("label").get<std::string>(), hex_field(ref, "value")),
               hex_field(ref, "out"));

  const Json& ewl = c.at("expand_with_label");
  expect_bytes(
      "expand_with_label",
      suite
          .expand_with_label(hex_field(ewl, "secret"), ewl.at("label").get<std::string>(),
                             hex_field(ewl, "context"), uint_field<uint16_t>(ewl, "length"))
          .view(),
      hex_field(ewl, "out"));

  const Json& ds = c.at("derive_secret");
  expect_bytes(
      "derive_secret",
      suite.derive_secret(hex_field(ds, "secret"), ds.at("label").get<std::string>()).view(),
      hex_field(ds, "out"));

  const Json& dts = c.at("derive_tree_secret");
  expect_bytes("derive_tree_secret",
               suite
                   .derive_tree_secret(hex_field(dts, "secret"), dts.at("label").get<std::string>(),
                                       uint_field<uint32_t>(dts, "generation"),
                                       uint_field<uint16_t>(dts, "length"))
                   .view(),
               hex_field(dts, "out"));

  const Json& swl = c.at("sign_with_label");
  const Bytes sig_priv = hex_field(swl, "priv");
  const Bytes sig_pub = hex_field(swl, "pub");
  const std::string sig_label = swl.at("label").get<std::string>();
  const Bytes content = hex_field(swl, "content");
  expect_bytes("signature public key from private key",
               suite.provider().signature_public_key(suite.info().signature, sig_priv), sig_pub);
  expect_true("VerifyWithLabel of the given signature",
              suite.verify_with_label(sig_pub, sig_label, content, hex_field(swl, "signature")));
  expect_true("VerifyWithLabel of a fresh signature",
              suite.verify_with_label(sig_pub, sig_label, content,
                                      suite.sign_with_label(sig_priv, sig_label, content)));

  const Json& enc = c.at("encrypt_with_label");
  const Bytes enc_priv = hex_field(enc, "priv");
  const Bytes enc_pub = hex_field(enc, "pub");
  const std::string enc_label = enc.at("label").get<std::string>();
  const Bytes context = hex_field(enc, "context");
  const Bytes plaintext = hex_field(enc, "plaintext");
  expect_bytes("DecryptWithLabel of the given ciphertext",
               suite.decrypt_with_label(enc_priv, enc_label, context, hex_field(enc, "kem_output"),
                                        hex_field(enc, "ciphertext")),
               plaintext);
  const auto fresh = suite.encrypt_with_label(enc_pub, enc_label, context, plaintext);
  expect_bytes(
      "DecryptWithLabel of a fresh ciphertext",
      suite.decrypt_with_label(enc_priv, enc_label, context, fresh.kem_output, fresh.ciphertext),
      plaintext);
}

void check_deserialization(const Json& c, const CheckContext&) {
  const Bytes header = hex_field(c, "vlbytes_header");
  codec::Reader reader(header);
  const uint64_t length = reader.varint();
  reader.expect_end("vlbytes header");
  expect_true(("decoded length " + std::to_string(length)).c_str(),
              length == uint_field<uint64_t>(c, "length"));
  // The header is the unique minimal encoding, so encoding the length gives it back.
  codec::Writer writer;
  writer.varint(length);
  expect_bytes("re-encoded header", writer.bytes(), header);
}

}  // namespace conclave::vectors
