"""Celery tasks of the data hub (thin: they call services)."""
