from django.urls import path

from . import views

urlpatterns = [
    path("cases/", views.CaseListView.as_view(), name="case-list"),
    path("cases/new/", views.CaseCreateView.as_view(), name="case-create"),
    path("cases/<int:pk>/", views.CaseDetailView.as_view(), name="case-detail"),
    path("cases/<int:pk>/edit/", views.CaseUpdateView.as_view(), name="case-edit"),
    path("cases/<int:pk>/upload/", views.UploadView.as_view(), name="case-upload"),
    path("karyograms/<int:pk>/move/", views.KaryogramMoveView.as_view(), name="karyogram-move"),
    path("jobs/<int:pk>/", views.JobDetailView.as_view(), name="job-detail"),
    path("jobs/<int:pk>/image/<str:kind>.png", views.JobImageView.as_view(), name="job-image"),
    path(
        "jobs/<int:pk>/cells/<str:label>/<str:kind>.png", views.CellImageView.as_view(), name="job-cell-image"
    ),
    path("jobs/<int:pk>/strengths/", views.StrengthView.as_view(), name="job-strengths"),
    path("jobs/<int:pk>/retry/", views.RetryView.as_view(), name="job-retry"),
    path("jobs/<int:pk>/cancel/", views.JobCancelView.as_view(), name="job-cancel"),
    path("jobs/<int:pk>/split/", views.SplitPanelsView.as_view(), name="job-split"),
]
