"""`EnhancementJob.cells` was a count while the API's `cells` are the job's rows: it is `cell_count` now."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("cases", "0005_job_device")]

    operations = [
        migrations.RenameField(model_name="enhancementjob", old_name="cells", new_name="cell_count"),
        migrations.AlterField(
            model_name="enhancementjob",
            name="cell_count",
            field=models.PositiveSmallIntegerField(
                choices=[(24, "24 cells"), (23, "23 cells (X and Y together)")],
                default=24,
                help_text="how many cells the karyogram is cut into; the cells themselves are `cell_rows`",
            ),
        ),
    ]
