"""HTML to PDF: a Django template rendered to PDF bytes with WeasyPrint, under a letterhead.

The letterhead is given by the caller (``letterhead``: ``name``, ``parent``, ``address``,
``contact``, ``logo`` as a ``data:`` URI), so this module imports no app. The template extends
``pdf/base.html``, which draws the letterhead and the page numbers. Nothing is fetched from the
network or the disk: only ``data:`` URIs load (a report never reaches an address it was given).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.template.loader import render_to_string


class FetchRefused(ValueError):
    pass


def _fetch_data_only(url: str, *args: Any, **kwargs: Any) -> dict:
    from weasyprint.urls import default_url_fetcher

    if not url.startswith("data:"):
        raise FetchRefused(f"refused to load {url[:40]!r} into a PDF")
    return default_url_fetcher(url, *args, **kwargs)


def html_to_pdf(html: str) -> bytes:
    """PDF bytes of an HTML document (its resources only as ``data:`` URIs)."""
    from weasyprint import HTML

    return HTML(string=html, url_fetcher=_fetch_data_only, base_url=".").write_pdf()


def render_pdf(
    template_name: str,
    context: Mapping[str, Any],
    *,
    letterhead: Mapping[str, str] | None = None,
) -> bytes:
    """Render ``template_name`` with ``context`` and the ``letterhead`` to PDF bytes."""
    html = render_to_string(template_name, {**context, "letterhead": letterhead or {}})
    return html_to_pdf(html)
