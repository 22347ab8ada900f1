"""Benchmarks: each module prints its figures and the ratio against the baseline it names."""
