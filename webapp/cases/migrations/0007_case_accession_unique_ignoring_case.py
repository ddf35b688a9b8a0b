"""Accessions are unique ignoring upper/lower case ("QA-2026-001" and "qa-2026-001" are one case).

Before the constraint is added, existing cases whose accessions clash that way are named, so that an
existing database is fixed by a person rather than failing on an anonymous index error.
"""

from django.db import migrations, models
from django.db.models import Count
from django.db.models.functions import Lower


def refuse_clashing_accessions(apps, schema_editor) -> None:
    """Stop with the clashing accessions listed when the constraint could not be added."""
    cases = apps.get_model("cases", "Case").objects.order_by().annotate(key=Lower("accession"))
    keys = cases.values("key").annotate(n=Count("pk")).filter(n__gt=1).values_list("key", flat=True)
    clashing = sorted(cases.filter(key__in=list(keys)).values_list("accession", flat=True))
    if clashing:
        raise RuntimeError(
            "Cases whose accessions differ only in upper/lower case: "
            + ", ".join(clashing)
            + ". Rename or merge them, then migrate again."
        )


class Migration(migrations.Migration):
    dependencies = [("cases", "0006_enhancementjob_cell_count")]

    operations = [
        migrations.RunPython(refuse_clashing_accessions, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="case",
            name="accession",
            field=models.CharField(help_text="unique, ignoring upper and lower case", max_length=64),
        ),
        migrations.AddConstraint(
            model_name="case",
            constraint=models.UniqueConstraint(
                Lower("accession"),
                name="case_accession_unique_ignoring_case",
                violation_error_code="unique",
                violation_error_message="A case with this accession already exists "
                "(accessions that differ only in upper/lower case are the same).",
            ),
        ),
    ]
