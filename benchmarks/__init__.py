"""Benchmark scripts comparing samplers alone and wrapped in LaMOO."""
