"""In-memory repositories with the Table ones' semantics, for the unit tests and the benchmark's
code-only measurement. Not deployed (.funcignore): nothing in the app imports it."""
