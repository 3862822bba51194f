"""/open311/v2/: every resource as .json or .xml."""

from django.urls import re_path

from portal.api.open311 import views

app_name = "open311"

FMT = r"\.(?P<fmt>json|xml)$"

urlpatterns = [
    re_path(r"^discovery" + FMT, views.discovery, name="discovery"),
    re_path(r"^services" + FMT, views.service_list, name="services"),
    re_path(
        r"^services/(?P<code>[-\w]+)" + FMT, views.service_definition, name="service"
    ),
    re_path(r"^requests" + FMT, views.requests, name="requests"),
    re_path(
        r"^requests/(?P<request_id>[-\w]+)" + FMT, views.request_detail, name="request"
    ),
    re_path(r"^tokens/(?P<token>[-\w]+)" + FMT, views.token_detail, name="token"),
    re_path(r"^.*$", views.not_found, name="not-found"),
]
