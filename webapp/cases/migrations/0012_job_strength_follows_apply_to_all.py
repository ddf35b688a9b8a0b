"""A job's strength is the one all its cells share ("Apply to all"): finished jobs whose cells were all given
one strength before it followed them take that strength (it stayed the upload's, e.g. 1.0 beside cells at 0.5)."""

from django.db import migrations, models

HELP_TEXT = (
    "the strength all its cells share: the one asked for at upload, then the last one every cell was given "
    "together (“Apply to all”, or a strengths call leaving every cell that can change at one strength); a retry "
    "and a split figure's panels start from it. Each cell's own is in `cells`"
)


def follow_shared_strengths(apps, schema_editor):
    """As `services.shared_strength`: the cells holding chromosomes that the guard did not leave as the original."""
    EnhancementJob = apps.get_model("cases", "EnhancementJob")
    for job in (
        EnhancementJob.objects.filter(state="done").prefetch_related("cell_rows").iterator(chunk_size=500)
    ):
        shared = {
            cell.strength
            for cell in job.cell_rows.all()
            if cell.object_count and float((cell.guard or {}).get("strength_cap", 1.0)) > 0
        }
        if len(shared) == 1 and (strength := shared.pop()) != job.strength:
            EnhancementJob.objects.filter(pk=job.pk).update(strength=strength)


class Migration(migrations.Migration):
    dependencies = [("cases", "0011_exclude_split_figures")]

    operations = [
        migrations.AlterField(
            model_name="enhancementjob",
            name="strength",
            field=models.FloatField(default=1.0, help_text=HELP_TEXT),
        ),
        migrations.RunPython(follow_shared_strengths, migrations.RunPython.noop),
    ]
