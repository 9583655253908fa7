"""What every layer may use and that is about the process, not the API: settings and telemetry."""
