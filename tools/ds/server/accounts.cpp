#include "accounts.h"

namespace conclave::ds {
namespace {

constexpr std::string_view kColumns =
    "SELECT id, \"user\", device, cipher_suite, credential, signature_key FROM devices ";

Device read_device(const Statement& s) {
  Device d;
  d.id = s.column_int(0);
  d.user = s.column_text(1);
  d.device = s.column_text(2);
  d.cipher_suite = static_cast<uint16_t>(s.column_int(3));
  d.credential = s.column_blob(4);
  d.signature_key = s.column_blob(5);
  return d;
}

std::string query(std::string_view where) {
  std::string sql(kColumns);
  sql += where;
  return sql;
}

}  // namespace

bool storable_name(std::string_view name) {
  return name.find('\0') == std::string_view::npos;
}

std::optional<Device> find_device(Database& db, std::string_view user, std::string_view device) {
  if (!storable_name(user) || !storable_name(device)) return std::nullopt;
  Statement s(db, query("WHERE \"user\" = ?1 AND device = ?2"));
  s.bind(1, user).bind(2, device);
  if (!s.step()) return std::nullopt;
  return read_device(s);
}

std::optional<Device> find_device(Database& db, int64_t id) {
  Statement s(db, query("WHERE id = ?1"));
  s.bind(1, id);
  if (!s.step()) return std::nullopt;
  return read_device(s);
}

std::vector<Device> devices_of_user(Database& db, std::string_view user) {
  if (!storable_name(user)) return {};
  Statement s(db, query("WHERE \"user\" = ?1 ORDER BY id"));
  s.bind(1, user);
  std::vector<Device> out;
  while (s.step())
    out.push_back(read_device(s));
  return out;
}

}  // namespace conclave::ds
