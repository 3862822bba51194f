from django.urls import path

from grid.whistle import views

app_name = "whistle"

urlpatterns = [
    path("", views.whistle_list, name="list"),
    path("<int:pk>/", views.whistle_detail, name="detail"),
    path("blow/<int:case_pk>/", views.whistle_blow, name="blow"),
    path("<int:pk>/report/<int:summons_pk>/", views.whistle_report, name="report"),
    path(
        "<int:pk>/task-done/<int:summons_pk>/",
        views.whistle_task_done,
        name="task_done",
    ),
    path("<int:pk>/acknowledge/", views.whistle_acknowledge, name="acknowledge"),
    path("<int:pk>/strike-off/", views.whistle_strike_off, name="strike_off"),
    path("negative-list/", views.negative_list, name="negative_list"),
    path(
        "negative-list/export.<str:fmt>",
        views.negative_list_export,
        name="negative_list_export",
    ),
]
