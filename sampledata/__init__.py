"""Rows and shares made up for the tests and the benchmarks (bench/ imports
nothing of tests/): never imported by the product."""
