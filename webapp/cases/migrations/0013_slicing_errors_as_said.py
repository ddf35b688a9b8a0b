"""Slicing failures stored before the web's wording was written with them (`models.slicing_failed`) take the words
the pages showed for them, once: the reason in lower case after the colon, "correct the slot boxes" for the slicer's
command-line advice. The pages and the API now say the stored error as it is."""

from django.db import migrations

SLICING_FAILED = "The karyogram could not be sliced: "
OLD_ADVICE, WEB_ADVICE = "give the slot boxes as a layout", "correct the slot boxes"


def as_said(error: str) -> str:
    """A stored slicing failure as the pages said it (the read-time rewrite this migration replaces)."""
    reason = error.removeprefix(SLICING_FAILED)
    if reason[:2].istitle():
        reason = reason[0].lower() + reason[1:]
    return SLICING_FAILED + reason.replace(OLD_ADVICE, WEB_ADVICE)


def say_slicing_errors_as_shown(apps, schema_editor):
    EnhancementJob = apps.get_model("cases", "EnhancementJob")
    failed = EnhancementJob.objects.filter(error__startswith=SLICING_FAILED).only("error")
    changed = []
    for job in failed.iterator(chunk_size=500):
        said = as_said(job.error)
        if said != job.error:  # the old form: a capital after the colon, or the command line's advice
            job.error = said
            changed.append(job)
    EnhancementJob.objects.bulk_update(changed, ["error"], batch_size=500)


class Migration(migrations.Migration):
    dependencies = [("cases", "0012_job_strength_follows_apply_to_all")]

    operations = [migrations.RunPython(say_slicing_errors_as_shown, migrations.RunPython.noop)]
