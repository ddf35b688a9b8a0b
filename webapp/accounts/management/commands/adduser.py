"""`manage.py adduser NAME --role ROLE --password PW`: create a user with a role."""

from django.contrib.auth import get_user_model
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from webapp.accounts.roles import Role, assign_role


class Command(BaseCommand):
    help = "Create a user with one of the roles technologist, rater, curator or admin."

    def add_arguments(self, parser):
        parser.add_argument("username")
        parser.add_argument("--role", required=True, choices=[r.value for r in Role])
        parser.add_argument("--password", required=True)
        parser.add_argument("--email", default="")

    def handle(self, *args, username: str, role: str, password: str, email: str, **options):
        user_model = get_user_model()
        if user_model.objects.filter(username=username).exists():
            raise CommandError(f"A user named {username!r} already exists.")
        candidate = user_model(username=username, email=email)
        try:
            validate_password(password, candidate)
        except ValidationError as exc:
            raise CommandError("Password rejected: " + " ".join(exc.messages)) from exc
        with transaction.atomic():
            user = user_model.objects.create_user(username=username, email=email, password=password)
            assign_role(user, Role(role))
        self.stdout.write(self.style.SUCCESS(f"Created {username} with role {role}."))
