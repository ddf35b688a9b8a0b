"""Celery workers: the app, queue routing and thin task adapters over `enhancer`."""

from .celery import app

__all__ = ["app"]
