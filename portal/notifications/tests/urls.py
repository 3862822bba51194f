"""The site's URLs with the inbox at /inbox/, for the view tests, whether or
not portal/urls.py mounts it yet."""

from django.urls import include, path

from portal.urls import urlpatterns as site_urlpatterns

urlpatterns = list(site_urlpatterns)
if not any(getattr(p, "namespace", None) == "notifications" for p in urlpatterns):
    urlpatterns.append(path("inbox/", include("portal.notifications.urls")))
