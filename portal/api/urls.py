"""/api/v1/: token login, the grid workers' API, the OpenAPI schema and its
docs page (Swagger UI, served by the site via the sidecar)."""

from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

from portal.api import auth

app_name = "api"

urlpatterns = [
    path("auth/token/", auth.TokenObtainApi.as_view(), name="token"),
    path("auth/token/refresh/", auth.TokenRefreshApi.as_view(), name="token-refresh"),
    path("auth/logout/", auth.TokenLogoutApi.as_view(), name="logout"),
    path("", include("grid.api.urls")),
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    path("docs/", SpectacularSwaggerView.as_view(url_name="api:schema"), name="docs"),
]
