"""Oshieai: a city's digital-literacy peer-teaching program."""

from literacy.celery import app as celery_app

__all__ = ["celery_app"]
