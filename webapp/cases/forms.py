from django import forms

from .models import Case


class CaseForm(forms.ModelForm):
    class Meta:
        model = Case
        fields = ["accession", "sample_type", "referral_reason", "known_karyotype", "notes"]
        widgets = {"notes": forms.Textarea(attrs={"rows": 3})}


class LayoutForm(forms.Form):
    layout = forms.JSONField(
        help_text='Slot boxes as in layout.json: {"cells": [{"label": "1", "box": [x0, y0, x1, y1]}, ...]}'
    )
