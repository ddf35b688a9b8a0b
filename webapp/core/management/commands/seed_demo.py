"""`manage.py seed_demo`: demo users for the embedded default, with their logins printed.

Passwords are generated on first run and kept in var/demo_logins.json (mode 600), so a
second run prints the same logins and changes nothing.
"""

import json
import secrets

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand
from django.db import transaction

from webapp.accounts.roles import Role, assign_role

DEMO_USERS = {
    "demo-tech": Role.TECHNOLOGIST,
    "demo-rater": Role.RATER,
    "demo-curator": Role.CURATOR,
    "demo-admin": Role.ADMIN,
}


class Command(BaseCommand):
    help = "Create the demo users (one per role) if missing and print their logins."

    def handle(self, *args, **options):
        logins_file = settings.VAR_DIR / "demo_logins.json"
        logins = json.loads(logins_file.read_text()) if logins_file.exists() else {}
        user_model = get_user_model()
        with transaction.atomic():
            for username, role in DEMO_USERS.items():
                password = logins.setdefault(username, secrets.token_urlsafe(9))
                user, created = user_model.objects.get_or_create(username=username)
                if created:
                    user.set_password(password)
                    user.save()
                assign_role(user, role)
        logins_file.parent.mkdir(parents=True, exist_ok=True)
        logins_file.write_text(json.dumps(logins, indent=2))
        logins_file.chmod(0o600)
        self.stdout.write("Demo logins (also in var/demo_logins.json):")
        for username, role in DEMO_USERS.items():
            self.stdout.write(f"  {role.value:<13} {username:<13} password: {logins[username]}")
