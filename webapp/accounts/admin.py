"""The Django admin's user list shows each user's roles, so an account made without one stands out."""

from django.contrib import admin
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import UserAdmin

from .roles import roles_of

User = get_user_model()


class UserWithRolesAdmin(UserAdmin):
    list_display = ("username", "roles", "email", "is_active", "last_login")
    list_filter = ("groups", "is_active", "is_superuser")

    @admin.display(description="roles")
    def roles(self, user) -> str:
        return ", ".join(sorted(roles_of(user))) or "none: this user can open nothing (add a group)"

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("groups")


admin.site.unregister(User)
admin.site.register(User, UserWithRolesAdmin)
