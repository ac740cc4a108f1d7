#include "database.h"

#include <stdexcept>

#include "database_backends.h"

namespace conclave::ds {

void check_schema_version(int version) {
  if (version <= Database::kSchemaVersion) return;
  std::string message = "database schema version ";
  message += std::to_string(version);
  message += " is newer than this conclave-ds (";
  message += std::to_string(Database::kSchemaVersion);
  message += ")";
  throw std::runtime_error(message);
}

std::unique_ptr<Database> open_database(const std::string& target) {
  if (target.rfind("postgresql://", 0) == 0 || target.rfind("postgres://", 0) == 0)
    return open_postgres(target);
  return open_sqlite(target);
}

}  // namespace conclave::ds
