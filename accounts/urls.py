from django.urls import path

from . import views

app_name = "accounts"

urlpatterns = [
    path("login/", views.LoginView.as_view(), name="login"),
    path("logout/", views.LogoutView.as_view(), name="logout"),
    path("password/", views.PasswordChangeView.as_view(), name="password_change"),
    path("2fa/setup/", views.two_factor_setup, name="two_factor_setup"),
    path("2fa/verify/", views.two_factor_verify, name="two_factor_verify"),
    path("2fa/recovery/", views.two_factor_recovery, name="two_factor_recovery"),
    path("profile/", views.profile, name="profile"),
    path("audit/", views.audit_list, name="audit"),
    path("notifications/", views.notifications, name="notifications"),
    path("office/", views.office_profile, name="office_profile"),
    path("vault/", views.vault, name="vault"),
    path("vault/new/<str:kind>/", views.credential_create, name="credential_create"),
    path("vault/<int:pk>/", views.credential_detail, name="credential_detail"),
    path("vault/<int:pk>/edit/", views.credential_edit, name="credential_edit"),
    path("vault/<int:pk>/rotate/", views.credential_rotate, name="credential_rotate"),
    path("vault/<int:pk>/reveal/", views.credential_reveal, name="credential_reveal"),
    path("vault/<int:pk>/revoke/", views.credential_revoke, name="credential_revoke"),
]
