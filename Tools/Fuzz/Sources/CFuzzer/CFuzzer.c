// Nothing here: the declaration in include/CFuzzer.h is defined by libFuzzer (-sanitize=fuzzer).
