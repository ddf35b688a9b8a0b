"""The study coordinator's form to invite a rater."""

from django import forms
from django.contrib.auth.validators import UnicodeUsernameValidator


class RaterInviteForm(forms.Form):
    username = forms.CharField(
        max_length=150,
        validators=[UnicodeUsernameValidator()],
        help_text="letters, digits and @ . + - _ only; the rater signs in with it",
    )
    email = forms.EmailField(required=False, help_text="optional, for your records; nothing is sent")
