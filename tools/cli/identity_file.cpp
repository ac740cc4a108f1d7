#include "identity_file.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <string>

#include "cli_error.h"
#include "conclave/codec/codec.h"

namespace conclave::cli {
namespace {

// A tag first, so that another file given by mistake is named as such rather than read as
// garbage keys; the version lets a later format be told apart.
constexpr std::string_view kTag = "conclave identity v1";

struct IdentityFile {
  std::string tag;
  uint16_t cipher_suite = 0;
  wire::Credential credential;
  SecretBytes signature_private_key;
  Bytes signature_public_key;
  CONCLAVE_TLS_FIELDS(tag, cipher_suite, credential, signature_private_key, signature_public_key)
};

}  // namespace

void write_identity_file(const std::filesystem::path& path, const Identity& identity) {
  const IdentityFile file{std::string(kTag), identity.cipher_suite, identity.credential,
                          identity.signature_private_key, identity.signature_public_key};
  const SecretBytes encoded = codec::encode_secret(file);
  // O_EXCL: never widen or overwrite an existing file's permissions or contents.
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd < 0) {
    throw CliError(kExitRefused,
                   "cannot create " + path.string() + ": " + std::strerror(errno) +
                       (errno == EEXIST ? " (it is not overwritten: choose another name)" : ""));
  }
  const BytesView bytes = encoded.view();
  size_t written = 0;
  while (written < bytes.size()) {
    const ssize_t n = ::write(fd, bytes.data() + written, bytes.size() - written);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      const std::string reason = std::strerror(errno);
      ::close(fd);
      ::unlink(path.c_str());
      throw CliError(kExitRefused, "cannot write " + path.string() + ": " + reason);
    }
    written += static_cast<size_t>(n);
  }
  if (::close(fd) != 0) {
    const std::string reason = std::strerror(errno);
    ::unlink(path.c_str());
    throw CliError(kExitRefused, "cannot write " + path.string() + ": " + reason);
  }
}

Identity read_identity_file(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary | std::ios::ate);
  if (!in) throw CliError(kExitNotFound, "cannot read " + path.string());
  // Read at once into a buffer of the file's size: no reallocation leaves key copies behind.
  const std::streamoff size = in.tellg();
  if (size < 0 || size > (1 << 20))
    throw CliError(kExitRefused, path.string() + " is not an identity file");
  SecretBytes data(static_cast<size_t>(size));
  in.seekg(0);
  if (!in.read(reinterpret_cast<char*>(data.mutable_view().data()), size))
    throw CliError(kExitRefused, "cannot read " + path.string());
  IdentityFile file;
  try {
    file = codec::decode<IdentityFile>(data.view());
  } catch (const Error&) {
    file.tag.clear();
  }
  if (file.tag != kTag) {
    throw CliError(kExitRefused,
                   path.string() + " is not an identity file (conclave identity export)");
  }
  return Identity{file.cipher_suite, std::move(file.credential),
                  std::move(file.signature_private_key), std::move(file.signature_public_key)};
}

}  // namespace conclave::cli
