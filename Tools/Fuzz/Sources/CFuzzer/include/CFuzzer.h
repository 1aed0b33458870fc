// libFuzzer's driver, for executables whose `main` is their own (SwiftPM points `main` at the module's entry).
#include <stddef.h>
#include <stdint.h>

int LLVMFuzzerRunDriver(int *argc, char ***argv, int (*callback)(const uint8_t *data, size_t size));
