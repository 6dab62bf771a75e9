"""Event configurations and the append-only event log."""
