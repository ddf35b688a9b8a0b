from django.urls import path

from . import views

urlpatterns = [
    path("rate/", views.RaterHomeView.as_view(), name="rate-home"),
    path("rate/<int:pk>/", views.RateView.as_view(), name="rate-study"),
    path("studies/", views.StudyListView.as_view(), name="study-list"),
    path("studies/new/", views.StudyCreateView.as_view(), name="study-create"),
    path("studies/<int:pk>/", views.StudyDetailView.as_view(), name="study-detail"),
    path("studies/<int:pk>/state/", views.StudyStateView.as_view(), name="study-state"),
    path("studies/<int:pk>/raters/", views.StudyRatersView.as_view(), name="study-raters"),
    path("studies/<int:pk>/progress/", views.StudyProgressView.as_view(), name="study-progress"),
    path("studies/<int:pk>/statistics/", views.StudyStatisticsView.as_view(), name="study-statistics"),
    path(
        "studies/<int:pk>/cases/<int:case_pk>/<str:arm>.png",
        views.StudyCaseImageView.as_view(),
        name="study-case-image",
    ),
    path("studies/<int:pk>/<str:what>.csv", views.StudyCsvView.as_view(), name="study-csv"),
]
