"""Benchmarks: the API over HTTP (wrk), the same operations straight on storage, the handler
in-process, cold start, memory, storage transactions per request and scale. `make bench`."""
