"""The four roles of the product, stored as Django groups, and checks against them."""

from collections.abc import Iterable
from enum import StrEnum

from django.contrib.auth.mixins import AccessMixin
from django.contrib.auth.models import AbstractBaseUser, AnonymousUser, Group
from rest_framework.permissions import BasePermission


class Role(StrEnum):
    TECHNOLOGIST = "technologist"  # cases, uploads, results
    RATER = "rater"  # the blinded study portal, nothing else
    CURATOR = "curator"  # datasets, training, model registry, studies
    ADMIN = "admin"  # everything, and the Django admin


def roles_of(user: AbstractBaseUser | AnonymousUser) -> frozenset[Role]:
    """The roles a user holds; superusers hold the admin role."""
    if not user.is_authenticated:
        return frozenset()
    cached = getattr(user, "_chromo_roles", None)
    if cached is None:
        names = set(user.groups.values_list("name", flat=True))
        if user.is_superuser:
            names.add(Role.ADMIN)
        cached = frozenset(Role(n) for n in names if n in Role.__members__.values())
        user._chromo_roles = cached
    return cached


def has_role(user: AbstractBaseUser | AnonymousUser, roles: Iterable[Role]) -> bool:
    """True when the user holds at least one of `roles`."""
    return bool(roles_of(user) & set(roles))


def assign_role(user: AbstractBaseUser, role: Role) -> None:
    """Put `user` in the role's group; admins also get staff and superuser rights."""
    group, _ = Group.objects.get_or_create(name=role.value)
    user.groups.add(group)
    if role is Role.ADMIN:
        user.is_staff = True
        user.is_superuser = True
        user.save(update_fields=["is_staff", "is_superuser"])
    user.__dict__.pop("_chromo_roles", None)


class RoleRequiredMixin(AccessMixin):
    """Class-based view guard: anonymous users go to login, other roles get 403."""

    allowed_roles: tuple[Role, ...] = ()
    raise_exception = False

    def dispatch(self, request, *args, **kwargs):
        if not request.user.is_authenticated:
            return self.handle_no_permission()
        if not has_role(request.user, self.allowed_roles):
            self.raise_exception = True
            return self.handle_no_permission()
        return super().dispatch(request, *args, **kwargs)


def role_permission(*roles: Role) -> type[BasePermission]:
    """A DRF permission class that admits authenticated users holding one of `roles`."""

    class HasRole(BasePermission):
        message = f"This needs one of the roles: {', '.join(r.value for r in roles)}."

        def has_permission(self, request, view) -> bool:
            return bool(request.user and request.user.is_authenticated and has_role(request.user, roles))

    HasRole.__name__ = "HasRole_" + "_".join(r.value for r in roles)
    return HasRole
