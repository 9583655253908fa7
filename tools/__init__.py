"""Developer tools of this project (not tests, not deployed)."""
