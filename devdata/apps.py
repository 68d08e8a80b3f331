from django.apps import AppConfig


class DevdataConfig(AppConfig):
    """Development only: demo and national data generators, the seed commands and the
    benchmark. No other app imports it; production settings may leave it out."""

    name = "devdata"
    verbose_name = "Development data"
    default_auto_field = "django.db.models.BigAutoField"
