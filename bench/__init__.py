"""Benchmarks and the large-data generator. `make bench` runs them all (bench/run.py)."""
