"""The simulator's routes, mounted under /simulator/ only when ``SOCIAL_API_BASE`` points here.

Each platform lives below its own prefix, the rest of the path being the platform's own:
``facebook/`` (graph.facebook.com, and ``facebook/www/`` for www.facebook.com), ``x/``
(api.twitter.com / api.x.com, ``x/www/`` for the authorize page) and ``instagram/``
(i.instagram.com, the private API instagrapi speaks).
"""

from django.urls import path, re_path

from . import graph_api, instagram_private_api, views, wordpress_api, x_api

app_name = "simulator"

urlpatterns = [
    path("", views.index, name="index"),
    path("_log", views.log, name="log"),
    path("_faults/", views.faults, name="faults"),
    path("_faults/<str:platform>/<str:handle>/", views.faults, name="account-faults"),
    path("_native/<str:platform>/<str:handle>/", views.native, name="native"),
    path("_media/<int:pk>", views.media, name="media"),
    path("_login/instagram/<str:handle>/", views.account_login, name="instagram-login"),
    path("_panel/<int:pk>/fault", views.panel_fault, name="panel-fault"),
    path("feed/<str:platform>/<str:handle>/", views.feed, name="feed"),
    # Addresses of posts on the platforms' websites
    path("facebook/www/<str:external_id>", views.permalink, {"platform": "facebook"}),
    path("x/www/<str:username>/status/<str:external_id>", views.permalink, {"platform": "x"}),
    path("instagram/www/p/<str:external_id>/", views.permalink, {"platform": "instagram"}),
    # X API v2
    path("x/2/tweets", x_api.tweets),
    path("x/2/tweets/<str:tweet_id>", x_api.tweet),
    path("x/2/users/me", x_api.me),
    path("x/2/users/by/username/<str:username>", x_api.user_by_username),
    path("x/2/users/<str:user_id>/tweets", x_api.user_tweets),
    path("x/2/users/<str:user_id>/retweets", x_api.retweets),
    path("x/2/users/<str:user_id>/retweets/<str:tweet_id>", x_api.unretweet),
    path("x/2/media/upload", x_api.media_status),
    path("x/2/media/upload/initialize", x_api.media_initialize),
    path("x/2/media/upload/<str:media_id>/append", x_api.media_append),
    path("x/2/media/upload/<str:media_id>/finalize", x_api.media_finalize),
    path("x/2/oauth2/token", x_api.oauth_token),
    path("x/www/i/oauth2/authorize", x_api.authorize, name="x-authorize"),
    # Facebook Graph API (Pages and Instagram business accounts)
    re_path(
        r"^facebook/www/(?P<version>v\d+\.\d+)/dialog/oauth$", graph_api.dialog, name="fb-dialog"
    ),
    re_path(
        r"^facebook/rupload/ig-api-upload/(?P<version>v\d+\.\d+)/(?P<container_id>\d+)$",
        graph_api.rupload,
    ),
    re_path(r"^facebook/(?P<version>v\d+\.\d+)/(?P<path>.+)$", graph_api.graph),
    # graph-video.facebook.com: the same Graph API, on the host that takes video uploads
    re_path(r"^facebook/video/(?P<version>v\d+\.\d+)/(?P<path>.+)$", graph_api.graph),
    # Instagram's private API (instagrapi)
    re_path(
        r"^instagram/rupload_(?P<kind>igphoto|igvideo)/(?P<name>[^/]+)$",
        instagram_private_api.rupload,
    ),
    re_path(r"^instagram/api/v1/(?P<path>.+)$", instagram_private_api.private),
    # WordPress sites' REST API, below each site's host (and folder)
    re_path(r"^wordpress/(?P<site>[^?#]+?)/wp-json/wp/v2/(?P<path>.+)$", wordpress_api.rest),
]
