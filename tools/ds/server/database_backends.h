// The two backends of Database (database.h), for open_database.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "database.h"

namespace conclave::ds {

// A SQLite file in WAL mode (sqlite_database.cpp).
std::unique_ptr<Database> open_sqlite(const std::string& path);
// A PostgreSQL database by connection URI (postgres_database.cpp).
std::unique_ptr<Database> open_postgres(const std::string& uri);
// The NOTIFY channel of queue announcements on PostgreSQL (postgres_listener.cpp).
inline constexpr const char* kQueueChannel = "conclave_ds_queue";
// The payload announcing `devices`: their ids, or "*" (any device) when too many to name.
std::string queue_announcement(const std::vector<int64_t>& devices);
// A listener on its own connection to `uri`, reconnecting when it drops.
std::unique_ptr<QueueListener> listen_postgres(const std::string& uri, QueueWake wake);
// Throws std::runtime_error when `version` is newer than Database::kSchemaVersion.
void check_schema_version(int version);

}  // namespace conclave::ds
