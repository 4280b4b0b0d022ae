"""Synthetic clusters and the scan benchmark (see benchmarks/README.md)."""
