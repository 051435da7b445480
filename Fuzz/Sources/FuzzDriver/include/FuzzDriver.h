// libFuzzer's driver entry (compiler-rt FuzzerInterface.h). SwiftPM links each executable's
// `main` as `<Target>_main`, so the targets define that symbol and call the driver themselves.
#ifndef EARSHOT_FUZZ_DRIVER_H
#define EARSHOT_FUZZ_DRIVER_H

#include <stddef.h>
#include <stdint.h>

int LLVMFuzzerRunDriver(int *argc, char ***argv, int (*callback)(const uint8_t *data, size_t size));

#endif
