from django.urls import path

from portal.cases import views, views_catalogue

app_name = "cases"

urlpatterns = [
    path("", views.case_list, name="list"),
    path("<int:pk>/", views.case_detail, name="detail"),
    path("<int:pk>/filed/", views.case_filed, name="filed"),
    path("<int:pk>/material/", views.case_resubmit, name="resubmit"),
    path("<int:pk>/withdraw/", views.case_withdraw, name="withdraw"),
    path("<int:pk>/confirm/", views.case_confirm, name="confirm"),
    path("<int:pk>/dispute/", views.case_dispute, name="dispute"),
    path("<int:pk>/rate/", views.case_rate, name="rate"),
    path("<int:pk>/reopen/", views.case_reopen, name="reopen"),
    path("<int:pk>/history/", views.case_history, name="history"),
    path(
        "<int:pk>/attachments/<int:attachment_pk>/",
        views.attachment_download,
        name="attachment",
    ),
]

# The service catalogue, included by portal/urls.py under "services/" with the
# namespace "catalogue".
catalogue_urlpatterns = [
    path("<slug:code>/", views_catalogue.category_detail, name="category"),
    path("<slug:code>/file/", views_catalogue.file_matter, name="file"),
]
