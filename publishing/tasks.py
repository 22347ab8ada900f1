"""Celery tasks of this app: thin, taking ids only (see STYLE.md)."""
