// The two backends of Database (database.h), for open_database.
#pragma once

#include <memory>
#include <string>

#include "database.h"

namespace conclave::ds {

// A SQLite file in WAL mode (sqlite_database.cpp).
std::unique_ptr<Database> open_sqlite(const std::string& path);
// A PostgreSQL database by connection URI (postgres_database.cpp).
std::unique_ptr<Database> open_postgres(const std::string& uri);
// Throws std::runtime_error when `version` is newer than Database::kSchemaVersion.
void check_schema_version(int version);

}  // namespace conclave::ds
