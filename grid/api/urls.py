from django.urls import path

from grid.api import views

urlpatterns = [
    path("grids/", views.MyGridListApi.as_view(), name="my-grids"),
    path(
        "grids/<int:grid_id>/events/",
        views.GridEventListApi.as_view(),
        name="grid-events",
    ),
    path("events/", views.MyEventListApi.as_view(), name="my-events"),
    path("events/report/", views.EventReportApi.as_view(), name="event-report"),
    path("events/<int:event_id>/", views.EventDetailApi.as_view(), name="event-detail"),
    path(
        "events/<int:event_id>/photos/<int:photo_id>/",
        views.EventPhotoApi.as_view(),
        name="event-photo",
    ),
    path(
        "events/<int:event_id>/notes/",
        views.EventNoteAddApi.as_view(),
        name="event-note",
    ),
    path(
        "events/<int:event_id>/accept/",
        views.EventAcceptApi.as_view(),
        name="event-accept",
    ),
    path(
        "events/<int:event_id>/close/",
        views.EventCloseApi.as_view(),
        name="event-close",
    ),
    path(
        "events/<int:event_id>/pass-up/",
        views.EventPassUpApi.as_view(),
        name="event-pass-up",
    ),
    path(
        "events/<int:event_id>/assign/",
        views.EventAssignApi.as_view(),
        name="event-assign",
    ),
    path(
        "events/<int:event_id>/dispatch/",
        views.EventDispatchApi.as_view(),
        name="event-dispatch",
    ),
]
