// The declarations are in include/FuzzDriver.h; libFuzzer defines them.
