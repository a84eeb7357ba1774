# bench/: benchmarks (not part of `make check`). `make bench` runs them.
