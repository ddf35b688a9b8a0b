from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("cases", "0003_job_layout_guess"),
    ]

    operations = [
        migrations.AddField(
            model_name="jobcell",
            name="guard",
            field=models.JSONField(
                blank=True,
                default=dict,
                help_text="the fidelity guard's verdict (strength_cap, reason, measures)",
            ),
        ),
    ]
