#ifndef HELSEBRO_WAL_BUFFER_H
#define HELSEBRO_WAL_BUFFER_H

#include <sqlite3.h>

/// Registers, once per process, an SQLite VFS named "helsebro-wal-buffer" over the default one ("unix") and makes it
/// the default. It changes one thing: the writes to a write-ahead log are gathered in a buffer of the connection's
/// own and reach the file in one write each when the buffer is full, when a transaction's commit frame has been
/// written, and before the log is synced, truncated, sized, closed, given a file control, its buffered bytes read or
/// its write lock released. Everything else passes through unchanged. Returns SQLite's result code (SQLITE_OK when registered now or before).
int helsebro_wal_buffer_register(void);

/// For a connection opened through this VFS: the writes SQLite made to its write-ahead log while open, and the writes
/// that reached the file. SQLITE_NOTFOUND when the connection has no log open through this VFS.
int helsebro_wal_buffer_counts(sqlite3 *db, long long *logWrites, long long *fileWrites);

#endif
