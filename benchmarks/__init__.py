"""Benchmark scenarios; each is a module run as ``python -m benchmarks.<scenario> [--quick]``."""
