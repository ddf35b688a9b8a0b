"""Pages: the sign-in form, the study coordinator's list of raters with invitations, and the invitee's "set
your password"."""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth import views as auth_views
from django.shortcuts import get_object_or_404, redirect, render, resolve_url
from django.urls import reverse_lazy
from django.views import View

from . import invitations
from .forms import RaterInviteForm
from .roles import Role, RoleRequiredMixin, roles_of


class SignInView(auth_views.LoginView):
    """The login form. A rater with no other role lands on their studies (the only pages they may open),
    everyone else on the home page; a `next` link still wins."""

    def get_default_redirect_url(self) -> str:
        if roles_of(self.request.user) == {Role.RATER}:
            return resolve_url("rate-home")
        return super().get_default_redirect_url()


def raters_page(request, form: RaterInviteForm, invited: tuple | None = None, status: int = 200):
    """The raters, the invite form, and the link just made (shown once)."""
    raters = get_user_model().objects.filter(groups__name=Role.RATER.value).order_by("username")
    return render(
        request,
        "accounts/raters.html",
        {
            "form": form,
            "raters": raters,
            "invited": invited,
            "invite_days": settings.PASSWORD_RESET_TIMEOUT // 86_400,
        },
        status=status,
    )


class RaterListView(RoleRequiredMixin, View):
    """Raters, whether each has accepted the invitation, and a form to invite one more."""

    allowed_roles = (Role.CURATOR, Role.ADMIN)

    def get(self, request):
        return raters_page(request, RaterInviteForm())

    def post(self, request):
        form = RaterInviteForm(request.POST)
        if form.is_valid():
            try:
                user, path = invitations.invite_rater(
                    form.cleaned_data["username"],
                    form.cleaned_data["email"],
                    request.user,
                    request.META.get("REMOTE_ADDR"),
                )
            except invitations.InvitationError as exc:
                form.add_error("username", str(exc))
            else:
                return raters_page(
                    request, RaterInviteForm(), invited=(user, request.build_absolute_uri(path))
                )
        return raters_page(request, form, status=400)


class RaterInviteRenewView(RoleRequiredMixin, View):
    allowed_roles = (Role.CURATOR, Role.ADMIN)

    def post(self, request, pk):
        user = get_object_or_404(get_user_model(), pk=pk)
        try:
            path = invitations.renew_invitation(user, request.user, request.META.get("REMOTE_ADDR"))
        except invitations.InvitationError as exc:
            messages.error(request, str(exc))
            return redirect("rater-list")
        return raters_page(request, RaterInviteForm(), invited=(user, request.build_absolute_uri(path)))


class InviteAcceptView(auth_views.PasswordResetConfirmView):
    """The invited rater chooses a password (Django's validators apply) and is signed in."""

    token_generator = invitations.invite_tokens
    template_name = "accounts/invite_accept.html"
    post_reset_login = True
    post_reset_login_backend = "django.contrib.auth.backends.ModelBackend"
    success_url = reverse_lazy("rate-home")

    def form_valid(self, form):
        response = super().form_valid(form)
        messages.success(self.request, "Your password is set. Welcome.")
        return response
