from django.contrib import admin
from django.templatetags.static import static
from django.urls import include, path
from django.utils.translation import gettext_lazy as _
from django.views.generic import RedirectView

from portal import views
from portal.cases.urls import catalogue_urlpatterns

# The clerks' workbench names itself, not "Django administration".
admin.site.site_header = _("Yiwang workbench")
admin.site.site_title = _("Yiwang workbench")
admin.site.index_title = _("Cases and services")



class FaviconView(RedirectView):
    """Browsers ask for /favicon.ico by themselves (the admin's pages link no
    icon): answer with the site's own icon from the static files. Not
    permanent: the static URL carries the file's hash in production."""

    permanent = False

    def get_redirect_url(self, *args, **kwargs):
        return static("favicon.ico")


urlpatterns = [
    path("", views.home, name="home"),
    path("favicon.ico", FaviconView.as_view(), name="favicon"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("accounts/", include("portal.accounts.urls")),
    path("services/", include((catalogue_urlpatterns, "catalogue"))),
    path("cases/", include("portal.cases.urls")),
    path("inbox/", include("portal.notifications.urls")),
    path("whistle/", include("grid.whistle.urls")),
    path("admin/", admin.site.urls),
    path("bench/", include("portal.bench.urls")),  # empty unless BENCH_ENABLED
    path("api/v1/", include("portal.api.urls")),
    path("open311/v2/", include("portal.api.open311.urls")),
]
