// Gathers SQLite's writes to a write-ahead log into fewer, larger writes.
//
// SQLite writes every frame of the log as two writes: its 24-byte header, then the page. The journal's batches write
// several hundred frames each: about 64,000 system calls for 40,000 messages of the realistic mix (`strace` of
// `serve`), where the kernel's cost per call outweighs the copying. This VFS keeps the frames of one connection's log
// in a buffer of 128 KiB and writes them in one call: about 1,000 calls for the same messages.
//
// What others may see is never held back:
// - a transaction's commit frame (a frame header whose "database size after commit" is not zero) is written through
//   with everything before it, before SQLite publishes the commit in the shared index;
// - a sync of the log writes the buffer first, so a commit synced is a commit on disk;
// - a read of buffered bytes, a truncation, size query, file control or close of the log writes the buffer first, so
//   SQLite reads back exactly what it wrote;
// - releasing the log's write lock (on the database file's shared memory) writes the buffer first: frames of a
//   transaction rolled back after its pages spilled can never land later over another writer's frames.
// A write that does not continue the buffer (a frame rewritten in place, a new log header) writes the buffer first.
// A write that fails is reported by the call that wrote the buffer, and the buffer is dropped; SQLite then fails the
// transaction as it would have.

#include "wal_buffer.h"

#include <pthread.h>
#include <sqlite3.h>
#include <stdlib.h>
#include <string.h>

// The unix VFS writes at most 0x1ffff bytes per call (`seekAndWriteFd` masks the length), and a remainder that is a
// multiple of 128 KiB then makes it report SQLITE_FULL: a buffer never holds more than that. 31 frames of 4 KiB pages.
enum { BUFFER_CAPACITY = 0x1ffff, FRAME_HEADER = 24, WAL_WRITE_LOCK = 0 };

// A file control of our own, answered by a main database file: its log's counts (two long longs).
enum { FCNTL_COUNTS = 0x48420001 };

typedef struct BufferedFile BufferedFile;
struct BufferedFile {
    sqlite3_file base;
    sqlite3_file *real;  // the underlying VFS's file, in the same allocation after this struct
    int isLog;
    unsigned char *buffer;  // a log's pending bytes, from file offset `start`; allocated at the first write
    int used;
    sqlite3_int64 start;
    int flushAfterNextWrite;  // a commit frame's header was buffered: write through after its page
    BufferedFile *log;        // on a main database file: its log's file while open (same connection)
    BufferedFile *database;   // on a log: its main database's file
    long long logWrites;      // on a log: writes SQLite made, and writes that reached the file
    long long fileWrites;
};

static sqlite3_vfs *underlying;
static sqlite3_vfs vfs;
static sqlite3_io_methods methods;
static pthread_once_t once = PTHREAD_ONCE_INIT;
static int registerResult = SQLITE_OK;

static sqlite3_file *real(sqlite3_file *file) { return ((BufferedFile *)file)->real; }

static int flush(BufferedFile *f) {
    if (f->used == 0) return SQLITE_OK;
    int used = f->used;
    f->used = 0;
    f->fileWrites += 1;
    return f->real->pMethods->xWrite(f->real, f->buffer, used, f->start);
}

static int bufferedClose(sqlite3_file *file) {
    BufferedFile *f = (BufferedFile *)file;
    int rc = f->isLog ? flush(f) : SQLITE_OK;
    if (f->database != NULL && f->database->log == f) f->database->log = NULL;
    if (f->log != NULL) f->log->database = NULL;
    sqlite3_free(f->buffer);
    f->buffer = NULL;
    int closed = f->real->pMethods->xClose(f->real);
    return rc != SQLITE_OK ? rc : closed;
}

static int bufferedRead(sqlite3_file *file, void *data, int amount, sqlite3_int64 offset) {
    BufferedFile *f = (BufferedFile *)file;
    // Only a read of what is still in the buffer needs it written first. A transaction whose pages spilled into the
    // log reads earlier frames between its writes, which would otherwise write the buffer at every page it reads.
    if (f->used > 0 && offset < f->start + f->used && f->start < offset + amount) {
        int rc = flush(f);
        if (rc != SQLITE_OK) return rc;
    }
    return f->real->pMethods->xRead(f->real, data, amount, offset);
}

static int bufferedWrite(sqlite3_file *file, const void *data, int amount, sqlite3_int64 offset) {
    BufferedFile *f = (BufferedFile *)file;
    if (!f->isLog) return f->real->pMethods->xWrite(f->real, data, amount, offset);
    f->logWrites += 1;
    if (f->used > 0 && (offset != f->start + f->used || amount > BUFFER_CAPACITY - f->used)) {
        int rc = flush(f);
        if (rc != SQLITE_OK) return rc;
    }
    if (f->buffer == NULL && amount <= BUFFER_CAPACITY) {
        f->buffer = sqlite3_malloc(BUFFER_CAPACITY);
    }
    if (f->buffer == NULL || amount > BUFFER_CAPACITY) {
        // No buffer (out of memory) or a write larger than it: straight through, as without this VFS.
        f->fileWrites += 1;
        return f->real->pMethods->xWrite(f->real, data, amount, offset);
    }
    if (f->used == 0) f->start = offset;
    memcpy(f->buffer + f->used, data, (size_t)amount);
    f->used += amount;
    if (f->flushAfterNextWrite) {
        f->flushAfterNextWrite = 0;
        return flush(f);
    }
    if (amount == FRAME_HEADER) {
        // Bytes 4-7 of a frame header: the database's size in pages after a commit, zero in every other frame.
        const unsigned char *h = data;
        if ((h[4] | h[5] | h[6] | h[7]) != 0) f->flushAfterNextWrite = 1;
    }
    return SQLITE_OK;
}

static int bufferedTruncate(sqlite3_file *file, sqlite3_int64 size) {
    BufferedFile *f = (BufferedFile *)file;
    int rc = flush(f);
    if (rc != SQLITE_OK) return rc;
    return f->real->pMethods->xTruncate(f->real, size);
}

static int bufferedSync(sqlite3_file *file, int flags) {
    BufferedFile *f = (BufferedFile *)file;
    int rc = flush(f);
    if (rc != SQLITE_OK) return rc;
    return f->real->pMethods->xSync(f->real, flags);
}

static int bufferedFileSize(sqlite3_file *file, sqlite3_int64 *size) {
    BufferedFile *f = (BufferedFile *)file;
    int rc = flush(f);
    if (rc != SQLITE_OK) return rc;
    return f->real->pMethods->xFileSize(f->real, size);
}

static int bufferedLock(sqlite3_file *file, int level) { return real(file)->pMethods->xLock(real(file), level); }

static int bufferedUnlock(sqlite3_file *file, int level) { return real(file)->pMethods->xUnlock(real(file), level); }

static int bufferedCheckReservedLock(sqlite3_file *file, int *out) {
    return real(file)->pMethods->xCheckReservedLock(real(file), out);
}

static int bufferedFileControl(sqlite3_file *file, int op, void *arg) {
    BufferedFile *f = (BufferedFile *)file;
    if (op == FCNTL_COUNTS) {
        if (f->log == NULL) return SQLITE_NOTFOUND;
        long long *counts = arg;
        counts[0] = f->log->logWrites;
        counts[1] = f->log->fileWrites;
        return SQLITE_OK;
    }
    int rc = flush(f);
    if (rc != SQLITE_OK) return rc;
    return f->real->pMethods->xFileControl(f->real, op, arg);
}

static int bufferedSectorSize(sqlite3_file *file) { return real(file)->pMethods->xSectorSize(real(file)); }

static int bufferedDeviceCharacteristics(sqlite3_file *file) {
    return real(file)->pMethods->xDeviceCharacteristics(real(file));
}

static int bufferedShmMap(sqlite3_file *file, int region, int size, int extend, void volatile **out) {
    return real(file)->pMethods->xShmMap(real(file), region, size, extend, out);
}

static int bufferedShmLock(sqlite3_file *file, int offset, int n, int flags) {
    BufferedFile *f = (BufferedFile *)file;
    if (f->log != NULL && flags == (SQLITE_SHM_UNLOCK | SQLITE_SHM_EXCLUSIVE) && offset <= WAL_WRITE_LOCK
        && WAL_WRITE_LOCK < offset + n)
    {
        // Nothing to report an error to while unlocking; the frames were not committed (a commit writes through).
        (void)flush(f->log);
    }
    return f->real->pMethods->xShmLock(f->real, offset, n, flags);
}

static void bufferedShmBarrier(sqlite3_file *file) { real(file)->pMethods->xShmBarrier(real(file)); }

static int bufferedShmUnmap(sqlite3_file *file, int deleteFlag) {
    return real(file)->pMethods->xShmUnmap(real(file), deleteFlag);
}

static int bufferedFetch(sqlite3_file *file, sqlite3_int64 offset, int amount, void **out) {
    BufferedFile *f = (BufferedFile *)file;
    int rc = flush(f);
    if (rc != SQLITE_OK) return rc;
    return f->real->pMethods->xFetch(f->real, offset, amount, out);
}

static int bufferedUnfetch(sqlite3_file *file, sqlite3_int64 offset, void *page) {
    return real(file)->pMethods->xUnfetch(real(file), offset, page);
}

static int bufferedOpen(sqlite3_vfs *self, sqlite3_filename name, sqlite3_file *file, int flags, int *outFlags) {
    (void)self;
    BufferedFile *f = (BufferedFile *)file;
    memset(f, 0, sizeof(BufferedFile));
    f->real = (sqlite3_file *)(f + 1);
    int rc = underlying->xOpen(underlying, name, f->real, flags, outFlags);
    // As SQLite requires: methods set if and only if the underlying file has them, whether or not it opened.
    f->base.pMethods = f->real->pMethods != NULL ? &methods : NULL;
    if (rc == SQLITE_OK && f->real->pMethods != NULL && (flags & SQLITE_OPEN_WAL) != 0 && name != NULL) {
        f->isLog = 1;
        sqlite3_file *database = sqlite3_database_file_object(name);
        if (database != NULL && database->pMethods == &methods) {
            f->database = (BufferedFile *)database;
            f->database->log = f;
        }
    }
    return rc;
}

static int forwardDelete(sqlite3_vfs *self, const char *name, int syncDir) {
    (void)self;
    return underlying->xDelete(underlying, name, syncDir);
}

static int forwardAccess(sqlite3_vfs *self, const char *name, int flags, int *out) {
    (void)self;
    return underlying->xAccess(underlying, name, flags, out);
}

static int forwardFullPathname(sqlite3_vfs *self, const char *name, int n, char *out) {
    (void)self;
    return underlying->xFullPathname(underlying, name, n, out);
}

static void *forwardDlOpen(sqlite3_vfs *self, const char *name) {
    (void)self;
    return underlying->xDlOpen(underlying, name);
}

static void forwardDlError(sqlite3_vfs *self, int n, char *out) {
    (void)self;
    underlying->xDlError(underlying, n, out);
}

static void (*forwardDlSym(sqlite3_vfs *self, void *handle, const char *symbol))(void) {
    (void)self;
    return underlying->xDlSym(underlying, handle, symbol);
}

static void forwardDlClose(sqlite3_vfs *self, void *handle) {
    (void)self;
    underlying->xDlClose(underlying, handle);
}

static int forwardRandomness(sqlite3_vfs *self, int n, char *out) {
    (void)self;
    return underlying->xRandomness(underlying, n, out);
}

static int forwardSleep(sqlite3_vfs *self, int microseconds) {
    (void)self;
    return underlying->xSleep(underlying, microseconds);
}

static int forwardCurrentTime(sqlite3_vfs *self, double *out) {
    (void)self;
    return underlying->xCurrentTime(underlying, out);
}

static int forwardGetLastError(sqlite3_vfs *self, int n, char *out) {
    (void)self;
    return underlying->xGetLastError(underlying, n, out);
}

static int forwardCurrentTimeInt64(sqlite3_vfs *self, sqlite3_int64 *out) {
    (void)self;
    return underlying->xCurrentTimeInt64(underlying, out);
}

static int forwardSetSystemCall(sqlite3_vfs *self, const char *name, sqlite3_syscall_ptr call) {
    (void)self;
    return underlying->xSetSystemCall(underlying, name, call);
}

static sqlite3_syscall_ptr forwardGetSystemCall(sqlite3_vfs *self, const char *name) {
    (void)self;
    return underlying->xGetSystemCall(underlying, name);
}

static const char *forwardNextSystemCall(sqlite3_vfs *self, const char *name) {
    (void)self;
    return underlying->xNextSystemCall(underlying, name);
}

static void registerOnce(void) {
    underlying = sqlite3_vfs_find(NULL);
    if (underlying == NULL || underlying->iVersion < 3) {
        registerResult = SQLITE_ERROR;
        return;
    }
    methods = (sqlite3_io_methods){
        .iVersion = 3,
        .xClose = bufferedClose,
        .xRead = bufferedRead,
        .xWrite = bufferedWrite,
        .xTruncate = bufferedTruncate,
        .xSync = bufferedSync,
        .xFileSize = bufferedFileSize,
        .xLock = bufferedLock,
        .xUnlock = bufferedUnlock,
        .xCheckReservedLock = bufferedCheckReservedLock,
        .xFileControl = bufferedFileControl,
        .xSectorSize = bufferedSectorSize,
        .xDeviceCharacteristics = bufferedDeviceCharacteristics,
        .xShmMap = bufferedShmMap,
        .xShmLock = bufferedShmLock,
        .xShmBarrier = bufferedShmBarrier,
        .xShmUnmap = bufferedShmUnmap,
        .xFetch = bufferedFetch,
        .xUnfetch = bufferedUnfetch,
    };
    vfs = (sqlite3_vfs){
        .iVersion = 3,
        .szOsFile = (int)sizeof(BufferedFile) + underlying->szOsFile,
        .mxPathname = underlying->mxPathname,
        .zName = "helsebro-wal-buffer",
        .xOpen = bufferedOpen,
        .xDelete = forwardDelete,
        .xAccess = forwardAccess,
        .xFullPathname = forwardFullPathname,
        .xDlOpen = forwardDlOpen,
        .xDlError = forwardDlError,
        .xDlSym = forwardDlSym,
        .xDlClose = forwardDlClose,
        .xRandomness = forwardRandomness,
        .xSleep = forwardSleep,
        .xCurrentTime = forwardCurrentTime,
        .xGetLastError = forwardGetLastError,
        .xCurrentTimeInt64 = forwardCurrentTimeInt64,
        .xSetSystemCall = forwardSetSystemCall,
        .xGetSystemCall = forwardGetSystemCall,
        .xNextSystemCall = forwardNextSystemCall,
    };
    registerResult = sqlite3_vfs_register(&vfs, 1);
}

int helsebro_wal_buffer_register(void) {
    pthread_once(&once, registerOnce);
    return registerResult;
}

int helsebro_wal_buffer_counts(sqlite3 *db, long long *logWrites, long long *fileWrites) {
    long long counts[2] = {0, 0};
    int rc = sqlite3_file_control(db, "main", FCNTL_COUNTS, counts);
    *logWrites = counts[0];
    *fileWrites = counts[1];
    return rc;
}
