"""Template context: the roles of the signed-in user, for menus."""

from .roles import roles_of


def roles(request) -> dict:
    return {"user_roles": {r.value for r in roles_of(request.user)}}
