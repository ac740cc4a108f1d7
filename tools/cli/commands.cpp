#include "commands.h"

#include <algorithm>
#include <cstdio>
#include <functional>
#include <limits>
#include <set>
#include <string_view>
#include <vector>

#include "chat.h"
#include "cli_error.h"
#include "identity_file.h"
#include "profile.h"
#include "session.h"
#include "text.h"

namespace conclave::cli {
namespace {

constexpr size_t kAny = std::numeric_limits<size_t>::max();

struct Context {
  const Args& args;
  std::filesystem::path root;
  std::string profile_name;
  std::vector<std::string> operands;  // the words after the command's own

  Profile profile() const { return Profile::load(root, profile_name); }
};

struct Command {
  std::vector<std::string_view> words;
  std::string_view synopsis;  // operands and options, for the usage line
  size_t min_operands;
  size_t max_operands;
  std::vector<std::string_view> options;  // which of --server, --device, --identity, --open
  std::string_view summary;
  std::function<int(Context&)> run;
};

void print(const std::string& line) {
  std::fputs(line.c_str(), stdout);
  std::fputc('\n', stdout);
}

void print_events(Session& session, bool show_epochs = true) {
  for (const std::string& line : session.event_lines(show_epochs))
    print(line);
}

// Runs `body` with the profile's Client; what it reports is printed, also when `body` throws,
// and library errors become plain words.
int with_session(const Profile& profile, SessionOptions options,
                 const std::function<int(Session&)>& body) {
  Session session(profile, options);
  try {
    const int code = body(session);
    print_events(session);
    return code;
  } catch (const Error& e) {
    print_events(session);
    throw session.explain(e);
  } catch (...) {
    print_events(session);
    throw;
  }
}

// Fetches what arrived before a command acts, so its user sees the group as it is. Commands
// that only show state go on with what the store holds when the service cannot be reached.
void sync_first(Session& session, bool show_offline = false) {
  try {
    session.client().sync();
  } catch (const Error& e) {
    if (!show_offline || e.code() != ErrorCode::kDeliveryUnavailable) throw;
    print_events(session);
    std::fprintf(stderr,
                 "the delivery service at %s is not reachable: showing the state of the last "
                 "sync\n",
                 session.profile().config().server.c_str());
    return;
  }
  print_events(session);
}

// Runs a call that hands something to the Delivery Service after sync_first() reached it.
// The Client keeps what it was about to send in the store's outbox when the service cannot be
// reached, and sends it with the next call that reaches it: the user should know.
template <typename Call>
auto hand_over(Session& session, std::string_view what, Call&& call) {
  try {
    return call();
  } catch (const Error& e) {
    if (e.code() != ErrorCode::kDeliveryUnavailable) throw;
    throw CliError(kExitUnreachable, "the delivery service at " +
                                         session.profile().config().server + " is not reachable; " +
                                         std::string(what) +
                                         " stays in the profile's outbox and goes out with the "
                                         "next command that reaches the service");
  }
}

// What hand_over() says of a commit: invite may fail before it made one (fetching KeyPackages).
constexpr std::string_view kCommitInOutbox = "a commit that was ready";

void require_name(const std::string& name, std::string_view what) {
  if (!is_valid_name(name)) {
    throw CliError(kExitUsage, std::string(what) + " \"" + printable_text(as_bytes(name)) +
                                   "\" is not a name: use 1 to 64 printable characters "
                                   "without spaces");
  }
}

// The users a command names, each once.
std::vector<std::string> user_operands(const std::vector<std::string>& operands) {
  std::vector<std::string> users;
  for (const std::string& user : operands) {
    require_name(user, "the user");
    if (std::find(users.begin(), users.end(), user) == users.end()) users.push_back(user);
  }
  return users;
}

std::set<std::string> member_users(Session& session, BytesView group_id) {
  std::set<std::string> users;
  for (const Member& m : session.client().members(group_id))
    users.insert(m.device.user);
  return users;
}

std::string join_words(const std::vector<std::string>& words) {
  std::string joined;
  for (const std::string& w : words)
    joined += (joined.empty() ? "" : ", ") + w;
  return joined;
}

int cmd_register(Context& ctx) {
  const std::string& user = ctx.operands[0];
  require_name(user, "the user");
  const std::string device = ctx.args.device.value_or(std::string(kDefaultDevice));
  require_name(device, "the device");
  const bool existed = Profile::exists(ctx.root, ctx.profile_name);
  ProfileConfig config;
  if (existed) {
    config = ctx.profile().config();
    if (config.user != user || (ctx.args.device && config.device != device)) {
      throw CliError(kExitRefused, "profile " + ctx.profile_name + " belongs to " + config.user +
                                       " (device " + config.device +
                                       "); choose another with --profile NAME");
    }
    if (ctx.args.server && *ctx.args.server != config.server) {
      throw CliError(kExitRefused, "profile " + ctx.profile_name + " is registered at " +
                                       config.server + "; choose another with --profile NAME");
    }
  } else {
    if (!ctx.args.server) throw CliError(kExitUsage, "register needs --server HOST:PORT");
    config = {*ctx.args.server, user, device};
  }
  std::optional<Identity> imported;
  if (ctx.args.identity) {
    imported = read_identity_file(*ctx.args.identity);
    const Bytes* name = imported->credential.identity();
    if (!name || *name != to_bytes(user)) {
      throw CliError(kExitRefused,
                     *ctx.args.identity + " holds the identity of another user than " + user);
    }
  }
  const Profile profile =
      existed ? ctx.profile() : Profile::create(ctx.root, ctx.profile_name, config);
  try {
    return with_session(
        profile, {.allow_external_join = false, .identity = imported}, [&](Session& session) {
          // The store's identity wins over the file's: refuse rather than seem to adopt it.
          if (imported && session.client().identity() != *imported) {
            throw CliError(kExitRefused, "profile " + ctx.profile_name +
                                             " holds another identity than " + *ctx.args.identity);
          }
          session.client().register_device();
          print("registered " + device_label(session.client().device()) + " at " + config.server +
                " (profile " + ctx.profile_name + " in " + profile.dir().string() + ")");
          return kExitOk;
        });
  } catch (const CliError& e) {
    // A name the service refused leaves nothing worth keeping; after an outage the same key
    // is tried again (the service may have registered it before the answer was lost).
    if (!existed && e.exit_code() == kExitRefused) Profile::remove(ctx.root, ctx.profile_name);
    throw;
  }
}

int cmd_identity_export(Context& ctx) {
  return with_session(ctx.profile(), {}, [&](Session& s) {
    write_identity_file(ctx.operands[0], s.client().identity());
    print("wrote the identity of " + device_label(s.client().device()) + " to " + ctx.operands[0] +
          ": it holds the private key; keep it as such");
    return kExitOk;
  });
}

int cmd_group_create(Context& ctx) {
  const std::string& name = ctx.operands[0];
  require_name(name, "the group");
  if (name.starts_with("hex:")) throw CliError(kExitUsage, "group names cannot start with hex:");
  return with_session(
      ctx.profile(), {.allow_external_join = ctx.args.open, .identity = {}}, [&](Session& s) {
        if (s.client().has_group(as_bytes(name))) {
          throw CliError(kExitRefused,
                         s.profile().config().user + " already has a group named " + name);
        }
        s.client().create_group(as_bytes(name));
        s.forget_own_commit(as_bytes(name), 0);
        print("created " + name +
              (ctx.args.open ? " (others may join it: conclave join " + name + ")" : ""));
        return kExitOk;
      });
}

int cmd_join(Context& ctx) {
  return with_session(ctx.profile(), {}, [&](Session& s) {
    sync_first(s);
    const Bytes group_id = group_id_from_label(ctx.operands[0]);
    if (s.client().has_group(group_id)) {
      throw CliError(kExitRefused,
                     s.profile().config().user + " is already a member of " + ctx.operands[0]);
    }
    s.client().join_external(group_id);
    s.forget_own_commit(group_id, s.client().group(group_id).epoch());
    print("joined " + ctx.operands[0] + " (epoch " +
          std::to_string(s.client().group(group_id).epoch()) +
          "; members: " + s.member_list(group_id) + ")");
    return kExitOk;
  });
}

int cmd_invite(Context& ctx) {
  const std::vector<std::string> users =
      user_operands({ctx.operands.begin() + 1, ctx.operands.end()});
  return with_session(ctx.profile(), {}, [&](Session& s) {
    sync_first(s);
    const std::string& group = ctx.operands[0];
    const Bytes group_id = s.require_group(group);
    const std::set<std::string> members = member_users(s, group_id);
    for (const std::string& user : users) {
      if (members.contains(user))
        throw CliError(kExitRefused, user + " is already a member of " + group);
    }
    const InviteResult result =
        hand_over(s, kCommitInOutbox, [&] { return s.client().invite(group_id, users); });
    s.forget_own_commit(group_id, result.epoch);
    std::vector<std::string> added, skipped;
    for (const DeviceRef& d : result.added)
      added.push_back(device_label(d));
    for (const DeviceRef& d : result.skipped)
      skipped.push_back(device_label(d));
    print("added " + join_words(added) + " to " + group + " (epoch " +
          std::to_string(result.epoch) + ")");
    if (!skipped.empty()) {
      print("not added, no KeyPackage left: " + join_words(skipped) +
            " (invite again once they have synced)");
    }
    return kExitOk;
  });
}

int cmd_remove(Context& ctx) {
  const std::vector<std::string> users =
      user_operands({ctx.operands.begin() + 1, ctx.operands.end()});
  return with_session(ctx.profile(), {}, [&](Session& s) {
    sync_first(s);
    const std::string& group = ctx.operands[0];
    const Bytes group_id = s.require_group(group);
    const std::set<std::string> members = member_users(s, group_id);
    for (const std::string& user : users) {
      if (user == s.profile().config().user) {
        throw CliError(kExitUsage,
                       "to leave " + group + " yourself, use `conclave leave " + group + "`");
      }
      if (!members.contains(user))
        throw CliError(kExitNotFound, user + " is not a member of " + group);
    }
    hand_over(s, kCommitInOutbox, [&] { s.client().remove(group_id, users); });
    s.forget_own_commit(group_id, s.client().group(group_id).epoch());
    print("removed " + join_words(users) + " from " + group + " (epoch " +
          std::to_string(s.client().group(group_id).epoch()) + ")");
    return kExitOk;
  });
}

int cmd_leave(Context& ctx) {
  return with_session(ctx.profile(), {}, [&](Session& s) {
    sync_first(s);
    const Bytes group_id = s.require_group(ctx.operands[0]);
    hand_over(s, "the request to leave", [&] { s.client().leave(group_id); });
    print("asked to leave " + ctx.operands[0] +
          ": another member's next sync removes you (MLS lets no member commit its own removal)");
    return kExitOk;
  });
}

int cmd_update(Context& ctx) {
  return with_session(ctx.profile(), {}, [&](Session& s) {
    sync_first(s);
    const Bytes group_id = s.require_group(ctx.operands[0]);
    hand_over(s, kCommitInOutbox, [&] { s.client().update(group_id); });
    s.forget_own_commit(group_id, s.client().group(group_id).epoch());
    print("new keys for " + device_label(s.client().device()) + " in " + ctx.operands[0] +
          " (epoch " + std::to_string(s.client().group(group_id).epoch()) + ")");
    return kExitOk;
  });
}

int cmd_send(Context& ctx) {
  // Words after the group are one message, so quoting is optional.
  std::string text;
  for (size_t i = 1; i < ctx.operands.size(); ++i)
    text += (i > 1 ? " " : "") + ctx.operands[i];
  if (text.empty()) throw CliError(kExitUsage, "nothing to send");
  return with_session(ctx.profile(), {}, [&](Session& s) {
    sync_first(s);
    const Bytes group_id = s.require_group(ctx.operands[0]);
    hand_over(s, "the message", [&] { s.client().send(group_id, as_bytes(text)); });
    print("[" + ctx.operands[0] + "] " + s.profile().config().user + ": " +
          printable_text(as_bytes(text)));
    return kExitOk;
  });
}

int cmd_sync(Context& ctx) {
  return with_session(ctx.profile(), {}, [&](Session& s) {
    s.client().sync();
    const std::vector<std::string> lines = s.event_lines(true);
    for (const std::string& line : lines)
      print(line);
    if (lines.empty()) print("nothing new");
    return kExitOk;
  });
}

int cmd_members(Context& ctx) {
  return with_session(ctx.profile(), {}, [&](Session& s) {
    sync_first(s, true);
    const Bytes group_id = s.require_group(ctx.operands[0]);
    for (const Member& m : s.client().members(group_id))
      print(member_label(m.device, m.is_self));
    return kExitOk;
  });
}

int cmd_groups(Context& ctx) {
  return with_session(ctx.profile(), {}, [&](Session& s) {
    sync_first(s, true);
    const std::vector<Bytes> groups = s.client().groups();
    for (const Bytes& group_id : groups) {
      const Group& group = s.client().group(group_id);
      const size_t members = group.members().size();
      print(group_label(group_id) + " (" + std::to_string(members) +
            (members == 1 ? " member" : " members") + ", epoch " + std::to_string(group.epoch()) +
            ")");
    }
    if (groups.empty()) print("no groups");
    return kExitOk;
  });
}

int cmd_status(Context& ctx) {
  return with_session(ctx.profile(), {}, [&](Session& s) {
    sync_first(s, true);
    const Bytes group_id = s.require_group(ctx.operands[0]);
    const Group& group = s.client().group(group_id);
    print("group: " + group_label(group_id));
    print("epoch: " + std::to_string(group.epoch()));
    print("epoch authenticator: " + to_hex(group.epoch_authenticator().view()));
    print("members: " + s.member_list(group_id));
    return kExitOk;
  });
}

int cmd_chat(Context& ctx) {
  return with_session(ctx.profile(), {}, [&](Session& s) {
    sync_first(s);
    const Bytes group_id = s.require_group(ctx.operands[0]);
    return run_chat(s, group_id);
  });
}

const std::vector<Command>& commands() {
  static const std::vector<Command> table = {
      {{"register"},
       "USER --server HOST:PORT [--device NAME] [--identity FILE]",
       1,
       1,
       {"--server", "--device", "--identity"},
       "create the profile, register the device, publish KeyPackages",
       cmd_register},
      {{"identity", "export"},
       "FILE",
       1,
       1,
       {},
       "save this device's identity and key (mode 0600) for `register --identity`",
       cmd_identity_export},
      {{"group", "create"},
       "NAME [--open]",
       1,
       1,
       {"--open"},
       "create a group (--open: others may join it with `conclave join`)",
       cmd_group_create},
      {{"join"}, "GROUP", 1, 1, {}, "join an open group (external commit)", cmd_join},
      {{"invite"},
       "GROUP USER...",
       2,
       kAny,
       {},
       "add every device of the users, in one commit",
       cmd_invite},
      {{"remove"}, "GROUP USER...", 2, kAny, {}, "remove the users, in one commit", cmd_remove},
      {{"leave"}, "GROUP", 1, 1, {}, "ask the other members to remove you", cmd_leave},
      {{"update"}, "GROUP", 1, 1, {}, "commit new keys of yours (an UpdatePath)", cmd_update},
      {{"send"}, "GROUP TEXT...", 2, kAny, {}, "send a message", cmd_send},
      {{"sync"}, "", 0, 0, {}, "show what arrived: messages, joins, removals", cmd_sync},
      {{"members"}, "GROUP", 1, 1, {}, "list the group's members", cmd_members},
      {{"groups"}, "", 0, 0, {}, "list your groups", cmd_groups},
      {{"status"},
       "GROUP",
       1,
       1,
       {},
       "epoch and epoch authenticator: equal at every member that agrees",
       cmd_status},
      {{"chat"},
       "GROUP",
       1,
       1,
       {},
       "chat in the terminal: Enter sends, /quit or Ctrl-D leaves",
       cmd_chat},
  };
  return table;
}

std::string usage_line(const Command& c) {
  std::string line = "conclave";
  for (std::string_view w : c.words)
    (line += ' ') += w;
  if (!c.synopsis.empty()) (line += ' ') += c.synopsis;
  return line;
}

const Command* find_command(const std::vector<std::string>& words) {
  for (const Command& c : commands()) {
    if (words.size() >= c.words.size() && std::equal(c.words.begin(), c.words.end(), words.begin()))
      return &c;
  }
  return nullptr;
}

}  // namespace

std::string help_text() {
  std::string text =
      "conclave: end-to-end encrypted group chat (MLS, RFC 9420) through a conclave-ds\n"
      "\n"
      "usage: conclave [--data-dir DIR] [--profile NAME] COMMAND [ARGUMENTS]\n"
      "\n"
      "commands:\n";
  for (const Command& c : commands()) {
    text += "  " + usage_line(c) + "\n      " + std::string(c.summary) + "\n";
  }
  text +=
      "\n"
      "options:\n"
      "  --data-dir DIR   profiles live in DIR/conclave/<profile>/ (default: $XDG_DATA_HOME,\n"
      "                   else ~/.local/share)\n"
      "  --profile NAME   the profile to use (default: default)\n"
      "  --               ends the options (for a message that starts with -)\n"
      "  -h, --help       this text\n"
      "\n"
      "exit codes:\n"
      "  0  done\n"
      "  1  usage: the command line is wrong\n"
      "  2  refused: by the MLS rules, the group or the delivery service\n"
      "  3  the delivery service is not reachable\n"
      "  4  no such profile, group or user\n"
      "\n"
      "See docs/cli.md.\n";
  return text;
}

int run_command(const Args& args) {
  if (args.help) {
    std::fputs(help_text().c_str(), stdout);
    return kExitOk;
  }
  if (args.words.empty()) throw CliError(kExitUsage, "no command given (see conclave --help)");
  const Command* command = find_command(args.words);
  if (!command) {
    throw CliError(kExitUsage, "unknown command \"" + printable_text(as_bytes(args.words[0])) +
                                   "\" (see conclave --help)");
  }
  const size_t operands = args.words.size() - command->words.size();
  if (operands < command->min_operands || operands > command->max_operands)
    throw CliError(kExitUsage, "usage: " + usage_line(*command));
  for (const std::string& option : args.command_options()) {
    if (std::find(command->options.begin(), command->options.end(), option) ==
        command->options.end()) {
      throw CliError(kExitUsage,
                     option + " does not go with this command; usage: " + usage_line(*command));
    }
  }
  const std::string profile_name = args.profile.value_or(Profile::kDefaultName);
  require_name(profile_name, "the profile");
  Context ctx{args,
              Profile::root(args.data_dir),
              profile_name,
              {args.words.begin() + command->words.size(), args.words.end()}};
  return command->run(ctx);
}

}  // namespace conclave::cli
