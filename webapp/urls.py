"""URL routes of the web app."""

from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.templatetags.static import static
from django.urls import include, path
from django.utils.functional import lazy
from django.views.generic import RedirectView
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView
from rest_framework.authtoken.views import ObtainAuthToken
from rest_framework.permissions import AllowAny
from rest_framework.routers import DefaultRouter

from webapp.accounts.views import SignInView
from webapp.cases import api as cases_api
from webapp.core import views as core_views
from webapp.studies import api as studies_api

handler404 = core_views.not_found

router = DefaultRouter()
router.register("cases", cases_api.CaseViewSet, basename="api-case")
router.register("karyograms", cases_api.KaryogramViewSet, basename="api-karyogram")
router.register("jobs", cases_api.JobViewSet, basename="api-job")
router.register("studies", studies_api.StudyViewSet, basename="api-study")

urlpatterns = [
    path("", core_views.HomeView.as_view(), name="home"),
    path("healthz", core_views.healthz, name="healthz"),
    # Browsers ask for /favicon.ico whatever the page says; the icon itself is a (whitenoise-served) static file.
    path("favicon.ico", RedirectView.as_view(url=lazy(static, str)("favicon.ico")), name="favicon"),
    path("", include("webapp.cases.urls")),
    path("", include("webapp.studies.urls")),
    path("", include("webapp.curation.urls")),
    path("", include("webapp.accounts.urls")),
    # Sign-in and password change; no e-mailed password reset (an admin sets one with `changepassword`).
    path("accounts/login/", SignInView.as_view(), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("accounts/password_change/", auth_views.PasswordChangeView.as_view(), name="password_change"),
    path(
        "accounts/password_change/done/",
        auth_views.PasswordChangeDoneView.as_view(),
        name="password_change_done",
    ),
    path("admin/", admin.site.urls),
    # open to anyone (it is how a script signs in): AllowAny says so in the schema too
    path("api/auth/token/", ObtainAuthToken.as_view(permission_classes=[AllowAny]), name="api-token"),
    path("api/items/<str:token>/image/", studies_api.ItemImageView.as_view(), name="rate-image"),
    path("api/", include(router.urls)),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("api/docs/", SpectacularSwaggerView.as_view(url_name="api-schema"), name="api-docs"),
]
