"""Celery application. Without REDIS_URL the settings make every task run in-process.

Its configuration is the CELERY_* block of hub/settings.py: tasks acknowledged late and
redelivered when their worker dies, and the beat schedule (`celery -A hub beat`, one instance
per installation) that sweeps progress reports whose worker stopped."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "hub.settings")

app = Celery("hub")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
