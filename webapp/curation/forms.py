import json
from collections.abc import Iterable

from django import forms

from enhancer.slicing import LABELS_24
from enhancer.training.config import PRESETS, TrainingConfig, preset
from enhancer.training.loop import architecture, architecture_differences
from webapp.cases.models import Length, Quality

from . import registry
from .models import SEED_MAX, Dataset, ModelVersion, default_excluded


def seed_field(**kwargs) -> forms.IntegerField:
    """A seed the training code accepts (0 to SEED_MAX); the bounds also reach the HTML input as min/max."""
    return forms.IntegerField(min_value=0, max_value=SEED_MAX, help_text=f"0 to {SEED_MAX}", **kwargs)


class BulkLabelForm(forms.Form):
    """Labels applied to the ticked karyograms; an empty choice leaves that label as it is."""

    karyograms = forms.CharField(widget=forms.HiddenInput, required=False)
    quality = forms.ChoiceField(
        choices=[("", "— quality —"), *Quality.choices],
        required=False,
        widget=forms.Select(attrs={"aria-label": "Quality to set"}),
    )
    length = forms.ChoiceField(
        choices=[("", "— length —"), *Length.choices],
        required=False,
        widget=forms.Select(attrs={"aria-label": "Length to set"}),
    )
    included = forms.ChoiceField(
        choices=[("", "— include? —"), ("yes", "Include"), ("no", "Exclude")],
        required=False,
        widget=forms.Select(attrs={"aria-label": "Include in datasets or not"}),
    )


class DatasetForm(forms.Form):
    name = forms.SlugField(
        max_length=100,
        help_text="letters, digits, - and _ only, e.g. poor-vs-excellent-2026",
        error_messages={"invalid": "Use letters, digits, - and _ only (no spaces), e.g. first-week-set."},
    )
    lengths = forms.MultipleChoiceField(
        choices=Length.choices,
        widget=forms.CheckboxSelectMultiple,
        initial=[c for c, _ in Length.choices],
        help_text="chromosome lengths to include (the paper used medium)",
    )
    excluded_labels = forms.MultipleChoiceField(
        choices=[(label, label) for label in LABELS_24],
        widget=forms.CheckboxSelectMultiple,
        required=False,
        initial=default_excluded,
        help_text="left out of training (default 13–22, X, Y)",
    )
    test_fraction = forms.FloatField(min_value=0, max_value=0.9, initial=0.2)
    seed = seed_field(initial=0)

    def clean_name(self):
        name = self.cleaned_data["name"]
        if Dataset.objects.filter(name=name).exists():
            raise forms.ValidationError("A dataset with this name exists; datasets are never overwritten.")
        return name


class TrainingForm(forms.Form):
    """A preset, with the hyperparameters a curator usually changes."""

    preset = forms.ChoiceField(choices=[(name, name) for name in PRESETS], initial="cpu-small")
    n_epochs = forms.IntegerField(min_value=1, max_value=1000, required=False, help_text="at constant rate")
    n_epochs_decay = forms.IntegerField(
        min_value=0, max_value=1000, required=False, help_text="then linear decay"
    )
    batch_size = forms.IntegerField(min_value=1, max_value=64, required=False)
    lr = forms.FloatField(min_value=1e-6, max_value=1e-2, required=False, label="learning rate")
    ngf = forms.IntegerField(min_value=2, max_value=128, required=False, label="generator filters")
    epoch_size = forms.IntegerField(
        min_value=0,
        max_value=100_000,
        required=False,
        help_text="cells per epoch (0: as many as the larger domain has)",
    )
    seed = seed_field(required=False)
    start_from = forms.ModelChoiceField(
        queryset=ModelVersion.objects.none(),  # `registry.usable_versions()`, set per form
        required=False,
        label="fine-tune from",
        empty_label="nothing: train from scratch",
        help_text="a registered model of the preset's architecture; its generators start the run",
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["start_from"].queryset = registry.usable_versions()
        # An empty field keeps the preset's value: each field shows it as its placeholder, for the preset
        # chosen (static/js/preset_values.js follows a change of preset).
        fields = self._hyperparameters()
        values = {name: {f: getattr(config, f) for f in fields} for name, config in PRESETS.items()}
        self.fields["preset"].widget.attrs["data-preset-values"] = json.dumps(values)
        chosen = self.data.get("preset") if self.is_bound else self.fields["preset"].initial
        for field, value in values.get(chosen, values[self.fields["preset"].initial]).items():
            self.fields[field].widget.attrs["placeholder"] = str(value)

    def _hyperparameters(self) -> list[str]:
        """The fields that override the preset's values (all but the preset and the model to start from)."""
        return [name for name in self.fields if name not in ("preset", "start_from")]

    def clean(self):
        data = super().clean()
        version = data.get("start_from")
        if version is None or "preset" not in data:
            return data
        if differences := architecture_differences(version.card, architecture(self.training_config())):
            raise forms.ValidationError(
                f"{version.name} is not of the architecture the {data['preset']} preset trains: {differences}. "
                "Choose a model trained with that preset, or train from scratch."
            )
        return data

    def training_config(self, excluded_labels: Iterable[str] = ()) -> TrainingConfig:
        """The chosen preset with the hyperparameters the curator filled in (after `is_valid`)."""
        data = self.cleaned_data
        overrides = {k: v for k, v in data.items() if k in self._hyperparameters()}
        return preset(data["preset"], **overrides, excluded_labels=tuple(excluded_labels))


class UploadModelForm(forms.Form):
    name = forms.SlugField(max_length=100)
    weights = forms.FileField(help_text="generator.safetensors (pickled .pth/.pt files are refused)")
    card = forms.FileField(help_text="model_card.json written with the weights")

    def clean_weights(self):
        weights = self.cleaned_data["weights"]
        if not weights.name.endswith(".safetensors"):
            raise forms.ValidationError(
                "Only .safetensors weights are accepted; they load without unpickling."
            )
        if weights.size > 512 * 1024 * 1024:
            raise forms.ValidationError("The weights file is larger than 512 MiB.")
        return weights


class OverrideForm(forms.Form):
    """An admin's written reason for activating a version that fails the evaluation's bars (audited)."""

    override_reason = forms.CharField(min_length=10, max_length=1000)
