"""Figures split into panels before `split_into_panels` excluded them: out of curation datasets too."""

from django.db import migrations


def exclude_split_figures(apps, schema_editor):
    Karyogram = apps.get_model("cases", "Karyogram")
    figures = Karyogram.objects.exclude(split_from=None).values("split_from")
    Karyogram.objects.filter(pk__in=figures).update(included=False)


class Migration(migrations.Migration):
    dependencies = [("cases", "0010_job_staining")]

    operations = [migrations.RunPython(exclude_split_figures, migrations.RunPython.noop)]
