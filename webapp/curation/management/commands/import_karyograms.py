"""Import a folder of karyograms for curation, skipping files already stored (same sha256)."""

import hashlib
from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from tqdm import tqdm

from enhancer.io import READABLE_SUFFIXES
from webapp.cases import services
from webapp.cases.models import Case, Karyogram, Length, Quality


class Command(BaseCommand):
    help = "Import every karyogram image under DIR into one case, labelled for curation."

    def add_arguments(self, parser):
        parser.add_argument("directory", type=Path)
        parser.add_argument("--quality", choices=Quality.values, default=Quality.UNLABELLED)
        parser.add_argument("--length", choices=Length.values, default=Length.UNLABELLED)
        parser.add_argument("--case", default="CURATION-IMPORT", help="accession of the case that holds them")
        parser.add_argument("--user", help="who imports (default: the first admin)")

    def handle(
        self, *args, directory: Path, quality: str, length: str, case: str, user: str | None, **options
    ):
        if not directory.is_dir():
            raise CommandError(f"{directory} is not a directory")
        users = get_user_model().objects
        importer = users.filter(username=user).first() if user else users.filter(is_superuser=True).first()
        if importer is None:
            raise CommandError("No such user; give --user or create an admin first (manage.py adduser).")
        holder, _ = Case.objects.same_accession(case).get_or_create(
            defaults={"accession": case, "created_by": importer}
        )
        files = sorted(
            p for p in directory.rglob("*") if p.suffix.lower() in READABLE_SUFFIXES and p.is_file()
        )
        imported, duplicates, rejected = 0, 0, []
        for path in tqdm(files, desc="importing", unit="file"):
            data = path.read_bytes()
            if Karyogram.objects.filter(sha256=hashlib.sha256(data).hexdigest()).exists():
                duplicates += 1
                continue
            try:
                with transaction.atomic():
                    karyogram = services.add_karyogram(holder, SimpleUploadedFile(path.name, data), importer)
                    Karyogram.objects.filter(pk=karyogram.pk).update(quality=quality, length=length)
                imported += 1
            except services.UploadError as exc:
                rejected.append(str(exc))
        self.stdout.write(
            f"Imported {imported}, skipped {duplicates} duplicate(s), rejected {len(rejected)}."
        )
        for reason in rejected:
            self.stderr.write(f"  {reason}")
