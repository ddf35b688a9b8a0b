from django import forms
from django.contrib.auth import get_user_model

from webapp.accounts.roles import Role
from webapp.cases.models import JobState, Karyogram, first_copies

from . import services
from .models import Study
from .ordering import MAX_REPEATS


class StudyForm(forms.ModelForm):
    karyograms = forms.ModelMultipleChoiceField(
        queryset=Karyogram.objects.filter(jobs__state=JobState.DONE)
        .distinct()
        .select_related("case")
        .order_by("case__accession", "pk"),
        widget=forms.CheckboxSelectMultiple,
        help_text="karyograms with a finished enhancement",
        error_messages={"required": "Choose at least one karyogram."},
    )
    raters = forms.ModelMultipleChoiceField(
        queryset=get_user_model().objects.filter(groups__name=Role.RATER.value).order_by("username"),
        widget=forms.CheckboxSelectMultiple,
        error_messages={
            "required": "Choose at least one rater; a rater not listed here is invited under Raters."
        },
    )

    blank_text = forms.BooleanField(
        required=False,
        label="Blank text outside the slots",
        help_text="headers, footers and margin notes (e.g. a diagnosis) are painted over with the background, "
        "identically in both arms; slot labels stay",
    )

    class Meta:
        model = Study
        fields = ["name", "instructions", "repeats"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        first_of = first_copies(self.fields["karyograms"].queryset)
        # a job finishing before the form is drawn adds a karyogram not seen here: its own first copy
        self.fields["karyograms"].label_from_instance = lambda k: _choice_label(k, first_of.get(k.sha256, k))
        self.fields["repeats"].widget.attrs["max"] = MAX_REPEATS

    def clean(self):
        """The same checks as `services.create_study`, before the slow look for text outside the slots."""
        cleaned = super().clean()
        karyograms = list(cleaned.get("karyograms") or [])
        if not karyograms:
            return cleaned
        try:
            services.check_karyograms(karyograms)
        except services.StudyError as exc:
            self.add_error("karyograms", str(exc))
        if "repeats" in cleaned:
            try:
                services.check_repeats(cleaned["repeats"], len(karyograms))
            except services.StudyError as exc:
                self.add_error("repeats", str(exc))
        return cleaned


def _choice_label(karyogram: Karyogram, first: Karyogram) -> str:
    """A karyogram as the study form offers it, saying when its case's karyotype cannot be read (the
    statistics would leave it out of the detection analysis) and when it is the same file as an earlier
    one offered (`first`; a study may hold it once), which the curator learnt only on submitting."""
    label = services.karyogram_label(karyogram)
    notes = []
    if karyogram.case.karyotype_problem:
        notes.append("karyotype not readable as ISCN: left out of the detection analysis")
    if first.pk != karyogram.pk:
        notes.append(f"the same file as {services.karyogram_label(first)}")
    return f"{label} ({'; '.join(notes)})" if notes else label


class AddRatersForm(forms.Form):
    """Raters to add to an open study: any user may be posted, so that `services.add_raters` refuses (not a
    rater, already in the study, study closed) naming who and why; the boxes offer the raters not yet in it."""

    raters = forms.ModelMultipleChoiceField(
        queryset=get_user_model().objects.all(),
        widget=forms.CheckboxSelectMultiple,
        label="Add raters",
        help_text="each gets their own stored order of every item, as the raters chosen at creation",
        error_messages={"required": "Choose at least one rater to add."},
    )

    def __init__(self, *args, study: Study, **kwargs):
        super().__init__(*args, **kwargs)
        addable = (
            get_user_model()
            .objects.filter(groups__name=Role.RATER.value)
            .exclude(pk__in=study.raters.values("pk"))
            .order_by("username")
        )
        self.fields["raters"].widget.choices = [(u.pk, u.username) for u in addable]


class RatingForm(forms.Form):
    item = forms.CharField(widget=forms.HiddenInput, max_length=64)
    abnormality = forms.CharField(
        max_length=500,
        label="Suspected abnormality",
        widget=forms.TextInput(attrs={"autofocus": True, "autocomplete": "off"}),
        help_text='ISCN if you can, e.g. +8 or del(5q); "none" when you see none',
        error_messages={"required": 'Write the abnormality you suspect, or "none".'},
    )
    quality = forms.TypedChoiceField(
        choices=[(i, str(i)) for i in range(1, 6)],
        coerce=int,
        widget=forms.RadioSelect,
        label="Overall quality (1 poor … 5 excellent)",
        error_messages={"required": "Choose a score from 1 to 5."},
    )
    sharpness = forms.TypedChoiceField(
        choices=[(i, str(i)) for i in range(1, 6)],
        coerce=int,
        widget=forms.RadioSelect,
        label="Band sharpness (1 sharp … 5 fuzzy: here 1 is best)",
        error_messages={"required": "Choose a score from 1 to 5."},
    )
    duration_seconds = forms.FloatField(
        required=False,
        min_value=0,
        max_value=services.MAX_CORRECTED_SECONDS,
        label="Correct the analysis time (seconds)",
        help_text="leave empty to use the time the server measured",
    )
    hidden_seconds = forms.FloatField(
        required=False, widget=forms.HiddenInput, help_text="set by the page: seconds it was hidden"
    )
    reason = forms.CharField(required=False, max_length=500, label="Reason for the correction")
    correction = forms.BooleanField(
        required=False, widget=forms.HiddenInput, help_text="set by the correction form of a rated item"
    )

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("correction") and not cleaned.get("reason"):  # CharField strips it
            # without it, an unchanged correction was taken for a double tap and left silently unsaved
            self.add_error("reason", "Give the reason for the correction; nothing was saved.")
        return cleaned

    def error_summary(self) -> list[tuple[str, str]]:
        """Each problem of a refused answer as `(anchor, text)`, for the summary at the top of the form (the
        page moves the focus to it): the anchor is the id of the field's input (a score's first choice), ""
        where there is nothing to go to (the whole answer, or a field the page fills in itself)."""
        problems = [("", message) for message in self.non_field_errors()]
        for field in self:
            for message in field.errors:
                if field.is_hidden:
                    problems.append(("", f"(Hidden field {field.name}) {message}"))
                else:
                    anchor = f"{field.auto_id}_0" if field.use_fieldset else field.auto_id
                    problems.append((anchor, f"{field.label}: {message}"))
        return problems
