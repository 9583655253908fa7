"""The peer the benchmark compares us with (never deployed): FastAPI behind AsgiFunctionApp."""
