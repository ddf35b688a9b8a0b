from django import forms

from .models import Case, duplicate_accession


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


class LayoutForm(forms.Form):
    layout = forms.JSONField(
        help_text='Slot boxes as in layout.json: {"cells": [{"label": "1", "box": [x0, y0, x1, y1]}, ...]}'
    )
