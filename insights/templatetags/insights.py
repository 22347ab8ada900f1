from __future__ import annotations

from django import template
from django.utils.translation import gettext as _

from .. import charts, selectors

register = template.Library()

SHOWN = ("views", "reach", "likes", "comments", "shares", "saves", "clicks", "engagement")


@register.inclusion_tag("insights/_post_insights.html")
def post_insights(post) -> dict:
    """Each delivery's figures and its views over time, for the post page."""
    entries = []
    for entry in selectors.post_figures(post):
        rows = [(name, entry["latest"][name]) for name in SHOWN if name in entry["latest"]]
        chart = None
        if len(entry["series"]) > 1:
            chart = charts.line_chart(entry["series"], title=_("Views over time"),
                                      ident=f"views-{entry['delivery'].pk}", height=160)  # fmt: skip
        entries.append({**entry, "rows": rows, "chart": chart})
    return {"entries": entries, "labels": labels()}


@register.filter
def metric_label(name: str) -> str:
    return str(labels().get(name, name))


def labels() -> dict:
    return {
        "views": _("Views"), "reach": _("Reach"), "likes": _("Likes"), "comments": _("Comments"),
        "shares": _("Shares"), "saves": _("Saves"), "clicks": _("Clicks"),
        "engagement": _("Engagement"), "followers": _("Followers"),
        "followers_gained": _("Followers gained"),
    }  # fmt: skip


@register.filter
def heat_class(rate) -> str:
    """A shade for an engagement rate (%): none, then four steps."""
    if rate is None:
        return "h0"
    for limit, name in ((2, "h1"), (5, "h2"), (10, "h3")):
        if rate < limit:
            return name
    return "h4"
