"""A study coordinator (curator or admin) adds raters: an account with no password and a one-time invite link.

The link carries a token of its own kind (not a password-reset token) that stops working once the rater
has set a password, and after PASSWORD_RESET_TIMEOUT; the account cannot sign in before. Every
invitation is written to the audit trail with the rater's name.
"""

from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser
from django.contrib.auth.tokens import PasswordResetTokenGenerator
from django.db import transaction
from django.urls import reverse
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from webapp.audit.models import AuditEvent

from .roles import Role, assign_role, has_role


class InvitationError(ValueError):
    """An invitation that cannot be made; the message says why."""


class InviteTokenGenerator(PasswordResetTokenGenerator):
    """Like a password-reset token (void once a password is set), but not interchangeable with one."""

    key_salt = "webapp.accounts.invitations.InviteTokenGenerator"


invite_tokens = InviteTokenGenerator()


def invite_path(user: AbstractBaseUser) -> str:
    """The one-time link (path) with which `user` sets their first password."""
    return reverse(
        "rater-invite-accept",
        args=[urlsafe_base64_encode(force_bytes(user.pk)), invite_tokens.make_token(user)],
    )


def _audit(by: AbstractBaseUser, action: str, user: AbstractBaseUser, ip: str | None) -> None:
    AuditEvent.objects.create(
        user=by,
        username=by.get_username(),
        action=action,
        method="POST",
        path=reverse("rater-list"),
        target={"rater": user.get_username(), "rater_id": user.pk},
        status=200,
        ip=ip,
    )


@transaction.atomic
def invite_rater(username: str, email: str, by: AbstractBaseUser, ip: str | None = None) -> tuple:
    """Create a rater without a usable password; returns (user, invite path)."""
    username = username.strip()
    user_model = get_user_model()
    if user_model.objects.filter(username__iexact=username).exists():
        raise InvitationError(f"A user named {username!r} already exists.")
    user = user_model(username=username, email=email.strip())
    user.set_unusable_password()
    user.save()
    assign_role(user, Role.RATER)
    _audit(by, "rater-invited", user, ip)
    return user, invite_path(user)


def renew_invitation(user: AbstractBaseUser, by: AbstractBaseUser, ip: str | None = None) -> str:
    """A new link for a rater who has not set a password yet (never for an account in use)."""
    if not has_role(user, [Role.RATER]) or has_role(user, [Role.TECHNOLOGIST, Role.CURATOR, Role.ADMIN]):
        raise InvitationError("Invitations are only for accounts that are raters and nothing else.")
    if user.has_usable_password():
        raise InvitationError(f"{user.get_username()} has already set a password; an admin can reset it.")
    _audit(by, "rater-invite-renewed", user, ip)
    return invite_path(user)
