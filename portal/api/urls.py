"""/api/v1/: token login, the grid workers' API, the OpenAPI schema and its
docs page (Swagger UI, served by the site via the sidecar)."""

from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from portal.api import auth

app_name = "api"

urlpatterns = [
    path("auth/token/", auth.TokenObtainApi.as_view(), name="token"),
    path("auth/token/refresh/", auth.TokenRefreshApi.as_view(), name="token-refresh"),
    path("auth/logout/", auth.TokenLogoutApi.as_view(), name="logout"),
    path("", include("grid.api.urls")),
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    # The split view serves Swagger UI's start-up script as a file (?script),
    # so the page needs no inline script under the Content-Security-Policy.
    path(
        "docs/",
        SpectacularSwaggerSplitView.as_view(
            url_name="api:schema", template_name="api/swagger_ui.html"
        ),
        name="docs",
    ),
]
