from django.urls import path

from . import views

urlpatterns = [
    path("accounts/raters/", views.RaterListView.as_view(), name="rater-list"),
    path("accounts/raters/<int:pk>/invite/", views.RaterInviteRenewView.as_view(), name="rater-invite-renew"),
    path("accounts/invite/<uidb64>/<token>/", views.InviteAcceptView.as_view(), name="rater-invite-accept"),
]
