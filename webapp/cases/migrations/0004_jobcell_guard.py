from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ("cases", "0002_karyogram_included_karyogram_length"),
    ]

    operations = [
        migrations.AddField(
            model_name="jobcell",
            name="guard",
            field=models.JSONField(blank=True, default=dict,
                                   help_text="the fidelity guard's verdict (strength_cap, reason, measures)"),
        ),
    ]
