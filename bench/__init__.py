"""Benchmarks of pytest-smsmock (`make bench`); results and how to read them in README.md."""
