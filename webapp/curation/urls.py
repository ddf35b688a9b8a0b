from django.urls import path

from . import views

urlpatterns = [
    path("curation/", views.CurationView.as_view(), name="curation"),
    path(
        "curation/karyograms/<int:pk>/thumbnail.png",
        views.ThumbnailView.as_view(),
        name="karyogram-thumbnail",
    ),
    path("curation/datasets/", views.DatasetListView.as_view(), name="dataset-list"),
    path("curation/datasets/new/", views.DatasetCreateView.as_view(), name="dataset-create"),
    path("curation/datasets/<int:pk>/", views.DatasetDetailView.as_view(), name="dataset-detail"),
    path("curation/datasets/<int:pk>/train/", views.TrainingCreateView.as_view(), name="training-create"),
    path("curation/training/<int:pk>/", views.TrainingDetailView.as_view(), name="training-detail"),
    path("curation/training/<int:pk>/status/", views.TrainingStatusView.as_view(), name="training-status"),
    path("curation/training/<int:pk>/sample.png", views.TrainingSampleView.as_view(), name="training-sample"),
    path("curation/training/<int:pk>/cancel/", views.TrainingCancelView.as_view(), name="training-cancel"),
    path("curation/models/", views.ModelListView.as_view(), name="model-list"),
    path("curation/models/upload/", views.ModelUploadView.as_view(), name="model-upload"),
    path("curation/models/<int:pk>/activate/", views.ModelActivateView.as_view(), name="model-activate"),
    path("curation/models/<int:pk>/evaluate/", views.ModelEvaluateView.as_view(), name="model-evaluate"),
    path(
        "curation/models/<int:pk>/evaluation/",
        views.ModelEvaluationStatusView.as_view(),
        name="model-evaluation-status",
    ),
    path("curation/models/compare/", views.ModelCompareView.as_view(), name="model-compare"),
    path("curation/models/compare/<int:pk>/", views.ModelComparisonView.as_view(), name="model-comparison"),
    path(
        "curation/models/compare/<int:pk>/<str:label>/<str:kind>.png",
        views.ModelComparisonCellView.as_view(),
        name="model-comparison-cell",
    ),
]
