from django import forms

from enhancer.slicing import LayoutError, check_boxes

from .models import Case, Karyogram, duplicate_accession


class CaseForm(forms.ModelForm):
    class Meta:
        model = Case
        fields = ["accession", "sample_type", "referral_reason", "known_karyotype", "notes"]
        widgets = {"notes": forms.Textarea(attrs={"rows": 3})}

    def clean_accession(self) -> str:
        """Refuse an accession another case has, ignoring upper/lower case (kept as typed otherwise)."""
        accession = self.cleaned_data["accession"]
        if message := duplicate_accession(accession, self.instance):
            raise forms.ValidationError(message, code="unique")
        return accession


class MoveKaryogramForm(forms.Form):
    """Where a karyogram uploaded to the wrong case belongs, and why (kept in the audit trail)."""

    accession = forms.CharField(
        max_length=64,
        label="Accession of the right case",
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )
    reason = forms.CharField(max_length=500, label="Why it is moved")

    @classmethod
    def for_row(cls, karyogram_pk: int, refused: dict | None) -> "MoveKaryogramForm":
        """The move form of one row of the case page (its own ids): empty, or as a refused move left it,
        with what was typed, the refusal beside its field and the focus there."""
        ids = f"move-{karyogram_pk}-%s"
        if not refused or refused["pk"] != karyogram_pk:
            return cls(auto_id=ids)
        form = cls(refused["data"], auto_id=ids)
        form.is_valid()  # the form's own refusals, found again
        for name, message in refused["errors"].items():  # the service's
            form.add_error(name, message)
        form.fields[next(iter(form.errors))].widget.attrs["autofocus"] = True
        return form


class LayoutForm(forms.Form):
    """Slot boxes typed or drawn by a person for one karyogram, checked as the slicer will read them
    (`enhancer.slicing.check_boxes`) so a wrong layout is refused here instead of failing in the worker."""

    layout = forms.JSONField(
        help_text='Slot boxes as in layout.json: {"cells": [{"label": "1", "box": [x0, y0, x1, y1]}, ...]}',
        error_messages={
            "invalid": "The layout is not valid JSON: look for a missing comma, bracket or quote."
        },
    )

    def __init__(self, karyogram: Karyogram, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.karyogram = karyogram

    def clean_layout(self) -> dict:
        """The boxes, checked as the slicer reads them (each slot once, every box inside this karyogram)."""
        layout = self.cleaned_data["layout"]
        try:
            check_boxes(layout, self.karyogram.width, self.karyogram.height)
        except LayoutError as exc:
            raise forms.ValidationError(str(exc), code="layout") from exc
        layout.setdefault("image", {"width": self.karyogram.width, "height": self.karyogram.height})
        return layout

    def text(self) -> str:
        """The textarea's content: exactly what was submitted when the form is shown again (no edit is
        lost), else the starting layout as JSON."""
        return self.data.get("layout", "") if self.is_bound else self["layout"].value()
