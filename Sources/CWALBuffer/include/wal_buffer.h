#ifndef HELSEBRO_WAL_BUFFER_H
#define HELSEBRO_WAL_BUFFER_H

/// Registers, once per process, an SQLite VFS named "helsebro-wal-buffer" over the default one ("unix") and makes it
/// the default. It changes one thing: the writes to a write-ahead log are gathered in a buffer of the connection's
/// own and reach the file in one write each when the buffer is full, when a transaction's commit frame has been
/// written, and before the log is synced, read, truncated, sized, closed or the write lock released. Everything
/// else passes through unchanged. Returns SQLite's result code (SQLITE_OK when registered now or before).
int helsebro_wal_buffer_register(void);

/// Writes to write-ahead logs through this VFS since the process started, and the writes that reached the files.
void helsebro_wal_buffer_counts(long long *logWrites, long long *fileWrites);

#endif
