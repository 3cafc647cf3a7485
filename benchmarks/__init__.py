"""Benchmark harness: load, single-check latency, throughput, batch, memory, and a PostgreSQL baseline.

Run ``python -m benchmarks.run --scale 10k --backend all --baseline``; see ``benchmarks/README.md``.
"""
