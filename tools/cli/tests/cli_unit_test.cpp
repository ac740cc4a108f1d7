// The CLI's own rules that need no Delivery Service: what it prints of untrusted text, which
// credentials its groups accept, how the chat's input line is edited, how the command line is
// read, how an identity is kept in a file.
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "args.h"
#include "cli_error.h"
#include "conclave/crypto/openssl_provider.h"
#include "conclave/crypto/suite.h"
#include "conclave/group/identity.h"
#include "credential_rule.h"
#include "identity_file.h"
#include "terminal.h"
#include "text.h"

namespace conclave::cli {
namespace {

TEST(CliText, EscapeSequencesInReceivedTextCannotReachTheTerminal) {
  const std::string hostile = "hi\x1b[2J\x1b]0;owned\x07 there\r";
  const std::string shown = printable_text(as_bytes(hostile));
  EXPECT_EQ(shown.find('\x1b'), std::string::npos);
  EXPECT_EQ(shown.find('\x07'), std::string::npos);
  EXPECT_EQ(shown.find('\r'), std::string::npos);
  // C1 controls (U+009B is a one-character CSI on some terminals) are refused too.
  EXPECT_EQ(printable_text(as_bytes("a\xC2\x9B"
                                    "2Jb")),
            "a\xEF\xBF\xBD"
            "2Jb");
}

TEST(CliText, ValidUtf8IsKeptAndInvalidBytesAreReplaced) {
  EXPECT_EQ(printable_text(as_bytes("zoë ✓")), "zoë ✓");
  EXPECT_EQ(printable_text(as_bytes("a\xFF"
                                    "b")),
            "a\xEF\xBF\xBD"
            "b");
  // An overlong encoding of '/' is not UTF-8.
  EXPECT_EQ(printable_text(as_bytes("\xC0\xAF")), "\xEF\xBF\xBD\xEF\xBF\xBD");
  EXPECT_EQ(printable_text(as_bytes("two\nlines\tand a tab")), "two lines and a tab");
}

TEST(CliText, NamesArePrintableWithoutSpaces) {
  EXPECT_TRUE(is_valid_name("alice"));
  EXPECT_TRUE(is_valid_name("bob.smith@example"));
  EXPECT_FALSE(is_valid_name(""));
  EXPECT_FALSE(is_valid_name("alice smith"));
  EXPECT_FALSE(is_valid_name("alice\x1b[31m"));
  EXPECT_FALSE(is_valid_name(std::string(65, 'a')));
}

TEST(CliText, GroupIdsThatAreNoNameShowAsHexAndReadBack) {
  const Bytes random_id = {0x00, 0xff, 0x10};
  EXPECT_EQ(group_label(random_id), "hex:00ff10");
  EXPECT_EQ(group_id_from_label("hex:00ff10"), random_id);
  EXPECT_EQ(group_label(as_bytes("general")), "general");
  EXPECT_EQ(group_id_from_label("general"), to_bytes("general"));
}

TEST(CliCredentials, BasicCredentialsWithPrintableNamesOnly) {
  EXPECT_TRUE(acceptable_credential(basic_credential("alice"), {}));
  EXPECT_FALSE(acceptable_credential(basic_credential(""), {}));
  EXPECT_FALSE(acceptable_credential(basic_credential("mallory\x1b[2K"), {}));
  EXPECT_FALSE(acceptable_credential(basic_credential("alice bob"), {}));
  EXPECT_FALSE(acceptable_credential(wire::Credential::x509({}), {}));
}

TEST(CliChatInput, BackspaceRemovesAWholeCharacter) {
  LineEditor editor;
  for (char c : std::string("añ"))
    editor.feed(c);
  EXPECT_EQ(editor.feed('\x7f'), LineEditor::Action::kRedraw);
  EXPECT_EQ(editor.line(), "a");
}

TEST(CliChatInput, ArrowKeysAreIgnoredAndEnterSubmits) {
  LineEditor editor;
  for (char c : std::string("hi\x1b[A\x1b[D!"))
    editor.feed(c);
  EXPECT_EQ(editor.line(), "hi!");
  EXPECT_EQ(editor.feed('\r'), LineEditor::Action::kSubmit);
  EXPECT_EQ(editor.take_line(), "hi!");
  EXPECT_EQ(editor.line(), "");
}

TEST(CliChatInput, CtrlDAndCtrlCLeave) {
  LineEditor editor;
  EXPECT_EQ(editor.feed('\x04'), LineEditor::Action::kQuit);
  EXPECT_EQ(editor.feed('\x03'), LineEditor::Action::kQuit);
}

TEST(CliChatInput, ALongLineShowsItsEnd) {
  LineEditor editor;
  for (char c : std::string("abcdéfgh"))
    editor.feed(c);
  EXPECT_EQ(editor.visible_tail(4), "éfgh");
  EXPECT_EQ(editor.visible_tail(100), "abcdéfgh");
}

TEST(CliArgs, OptionsGoAnywhereAndDashDashEndsThem) {
  const char* argv[] = {"conclave", "send", "--profile", "bob", "general", "--", "--hi"};
  const Args args = parse_args(7, argv);
  EXPECT_EQ(args.profile, "bob");
  EXPECT_EQ(args.words, (std::vector<std::string>{"send", "general", "--hi"}));
}

TEST(CliArgs, UnknownOptionsAndMissingValuesAreUsageErrors) {
  const char* unknown[] = {"conclave", "sync", "--bogus"};
  const char* missing[] = {"conclave", "sync", "--profile"};
  for (auto* argv : {unknown, missing}) {
    try {
      parse_args(3, argv);
      FAIL() << "accepted " << argv[2];
    } catch (const CliError& e) {
      EXPECT_EQ(e.exit_code(), kExitUsage);
    }
  }
}

// The identity file holds a signature private key: created for its owner alone, never
// overwritten, read back exactly, and another file is refused rather than read as keys.
TEST(CliIdentityFile, RoundTripsWithMode0600AndIsNeverOverwritten) {
  const std::filesystem::path dir = std::filesystem::temp_directory_path() /
                                    ("conclave-identity-test-" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  const std::filesystem::path path = dir / "bob.identity";
  const crypto::Suite suite(crypto::openssl_provider(), 1);
  const Identity identity = Identity::generate(suite, basic_credential("bob"));
  write_identity_file(path, identity);
  struct stat st {};
  ASSERT_EQ(::stat(path.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  EXPECT_EQ(read_identity_file(path), identity);
  EXPECT_THROW(write_identity_file(path, identity), CliError);

  const std::filesystem::path other = dir / "notes.txt";
  std::ofstream(other) << "not an identity";
  try {
    read_identity_file(other);
    ADD_FAILURE() << "read a text file as an identity";
  } catch (const CliError& e) {
    EXPECT_EQ(e.exit_code(), kExitRefused);
  }
  std::filesystem::remove_all(dir);
}

TEST(CliArgs, IdentityTakesAFileAndCountsAsACommandOption) {
  const char* argv[] = {"conclave", "register", "bob", "--identity", "bob.identity"};
  const Args args = parse_args(5, argv);
  EXPECT_EQ(args.identity, "bob.identity");
  EXPECT_EQ(args.command_options(), (std::vector<std::string>{"--identity"}));
}

}  // namespace
}  // namespace conclave::cli
