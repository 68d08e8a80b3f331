"""Signals the registry sends for other apps to listen to (hub imports no other app)."""

from django.dispatch import Signal

# Sent after bulk writes that bypass model signals (imports, seeding): sender = the model
# class written, e.g. Plant. Receivers should treat derived data as stale.
bulk_written = Signal()
