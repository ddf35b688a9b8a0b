"""`manage.py seed_demo`: demo users and demo cases for the embedded default.

Passwords are generated on first run and kept in var/demo_logins.json (mode 600), so a
second run prints the same logins and changes nothing. Demo cases hold poor synthetic
karyograms with known karyotypes; their jobs wait in the database until the stack starts.
"""

import json
import secrets

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand
from django.db import transaction

from webapp.accounts.roles import Role, assign_role

DEMO_CASES = (
    ("DEMO-0001", "46,XY,t(9;22)(q34;q11.2)", "CML, diagnosis", "moderate"),
    ("DEMO-0002", "47,XY,+8", "MDS, follow-up", "mild"),
    ("DEMO-0003", "46,XY,del(5)(q13q33)", "MDS, diagnosis", "moderate"),
    ("DEMO-0004", "46,XX", "Cytopenia, staging", "severe"),
)

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
        self._demo_cases(user_model.objects.get(username="demo-tech"))
        logins_file.parent.mkdir(parents=True, exist_ok=True)
        logins_file.write_text(json.dumps(logins, indent=2))
        logins_file.chmod(0o600)
        self.stdout.write(f"Demo logins (also in {logins_file}):")
        for username, role in DEMO_USERS.items():
            self.stdout.write(f"  {role.value:<13} {username:<13} password: {logins[username]}")

    def _demo_cases(self, technologist) -> None:
        from django.core.files.uploadedfile import SimpleUploadedFile

        from enhancer.io import ImageInfo, encode_karyogram
        from enhancer.synthetic import synthesize
        from webapp.cases import services
        from webapp.cases.models import Case, Quality

        for seed, (accession, karyotype, reason, severity) in enumerate(DEMO_CASES, start=900):
            if Case.objects.same_accession(accession).exists():
                continue
            made = synthesize(karyotype, seed=seed, quality="poor", severity=severity, shorten=False)
            height, width = made.image.shape
            png = encode_karyogram(made.image, ImageInfo("PNG", width, height, 1, 8))
            with transaction.atomic():
                case = Case.objects.create(
                    accession=accession,
                    known_karyotype=karyotype,
                    referral_reason=reason,
                    notes="Synthetic demo karyogram.",
                    created_by=technologist,
                )
                karyogram = services.add_karyogram(
                    case, SimpleUploadedFile(f"{accession}.png", png), technologist
                )
                karyogram.quality = Quality.POOR
                karyogram.save(update_fields=["quality"])
                services.start_job(karyogram, technologist, enqueue=False)
            self.stdout.write(f"Demo case {accession} ({karyotype}) created.")
