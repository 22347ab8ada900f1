from django.urls import path

import core.converters  # noqa: F401  (registers <id:…>)

from . import feeds, public_views, views

app_name = "media_center"

urlpatterns = [
    path("dashboard/", views.dashboard, name="dashboard"),
    # The office's survey pages.
    path("surveys/", views.survey_list, name="survey_list"),
    path("surveys/sites/", views.embed_sites, name="embed_sites"),
    path("surveys/<str:slug>/", views.survey_detail, name="survey_detail"),
    path("surveys/<str:slug>/action/", views.survey_action, name="survey_action"),
    path("surveys/<str:slug>/held/", views.survey_held, name="survey_held"),
    path("surveys/<str:slug>/export.<str:fmt>", views.survey_export, name="survey_export"),
    # The public posts: each at its permanent address, their pictures, the feeds.
    path("berita/<id:pk>-<str:slug>/", public_views.public_post, name="public_post"),
    path("berita/<id:pk>/", public_views.public_post, name="public_post_short"),
    path(
        "berita/<id:pk>/foto/<id:asset_id>/<slug:rendition>.jpg",
        public_views.public_post_image,
        name="public_post_image",
    ),
    path("berita/rss/", feeds.LatestPostsFeed(), name="public_feed_rss"),
    path("berita/atom/", feeds.LatestPostsAtomFeed(), name="public_feed_atom"),
    # The public survey: its page, the vote, the embeddable widget.
    path("survey/<str:slug>/", public_views.survey_page, name="survey_page"),
    path("survey/<str:slug>/vote/", public_views.survey_vote, name="survey_vote"),
    path("survey/<str:slug>/embed/", public_views.survey_embed, name="survey_embed"),
    path("survey/<str:slug>/embed.js", public_views.survey_embed_js, name="survey_embed_js"),
    path(
        "survey/<str:slug>/widget.json", public_views.survey_widget_json, name="survey_widget_json"
    ),
    path(
        "survey/<str:slug>/results.json",
        public_views.survey_results_json,
        name="survey_results_json",
    ),
    path("guidelines/", views.guidelines, name="guidelines"),
    path("guidelines/v<id:number>/", views.guidelines, name="guidelines_version"),
    path("guidelines/edit/", views.guidelines_edit, name="guidelines_edit"),
    path("guidelines/preview/", views.guidelines_preview, name="guidelines_preview"),
    path("registry/", views.registry, name="registry"),
    path("registry/compliance/", views.compliance_view, name="compliance"),
    path("registry/websites/new/", views.website_create, name="website_create"),
    path("registry/websites/<id:pk>/", views.website_edit, name="website_edit"),
]
