"""Writes that matter in this app: one function per use case (see STYLE.md)."""
