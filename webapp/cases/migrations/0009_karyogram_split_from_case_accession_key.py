"""A karyogram cut from a figure of several karyograms names that figure (`split_from`); accessions are compared
by a case-folded key in Python (`accession_key`), so "ÄÖÜ-1" and "äöü-1" are one case on SQLite too, whose
LOWER() folds ASCII letters only.

Before the new constraint is added, existing cases whose accessions clash once folded are named, so that an
existing database is fixed by a person rather than failing on an anonymous index error.
"""

import unicodedata

import django.db.models.deletion
from django.db import migrations, models


def fill_accession_keys(apps, schema_editor) -> None:
    """Fold every accession; stop with the clashing accessions listed when two fold to the same key."""
    cases = apps.get_model("cases", "Case").objects.order_by("pk")
    by_key: dict[str, list[str]] = {}
    for case in cases:
        case.accession_key = unicodedata.normalize("NFKC", case.accession).casefold()  # as accession_key()
        case.save(update_fields=["accession_key"])
        by_key.setdefault(case.accession_key, []).append(case.accession)
    clashing = sorted(a for accessions in by_key.values() if len(accessions) > 1 for a in accessions)
    if clashing:
        raise RuntimeError(
            "Cases whose accessions differ only in upper/lower case: "
            + ", ".join(clashing)
            + ". Rename or merge them, then migrate again."
        )


class Migration(migrations.Migration):
    dependencies = [("cases", "0008_job_panels")]

    operations = [
        migrations.AddField(
            model_name="karyogram",
            name="split_from",
            field=models.ForeignKey(
                blank=True,
                help_text="the figure of several karyograms this one was cut from",
                null=True,
                on_delete=django.db.models.deletion.SET_NULL,
                related_name="split_panels",
                to="cases.karyogram",
            ),
        ),
        migrations.AddField(
            model_name="case",
            name="accession_key",
            field=models.CharField(
                default="", editable=False, help_text="the accession, case folded", max_length=255
            ),
            preserve_default=False,
        ),
        migrations.RunPython(fill_accession_keys, migrations.RunPython.noop),
        migrations.RemoveConstraint(model_name="case", name="case_accession_unique_ignoring_case"),
        migrations.AddConstraint(
            model_name="case",
            constraint=models.UniqueConstraint(
                fields=("accession_key",),
                name="case_accession_key_unique",
                violation_error_code="unique",
                violation_error_message="A case with this accession already exists "
                "(accessions that differ only in upper/lower case are the same).",
            ),
        ),
    ]
