"""What an audit event's target names: the model and object its stored URL arguments or event details point at.

A request's event keeps the URL's arguments (`{"pk": "2"}`), which only make sense beside the URL name: the
same `pk` is a case under `case-detail` and a study under `study-csv`. The model comes from the view itself
where it declares one (a DetailView's `model`, a DRF viewset's `queryset`, an admin page's `model_admin`),
otherwise from `PK_MODELS`; the events the product writes itself say in `EVENT_TARGETS` which detail holds
the object. Objects are loaded in one query per model, and a deleted one is still named, as deleted.
"""

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache

from django.apps import apps
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.urls import URLPattern, URLResolver, get_resolver

from .models import AuditEvent

# URL names whose view declares no model (or another than its `pk`'s), and the model of their `pk`.
PK_MODELS = {
    "case-upload": "cases.Case",
    "karyogram-move": "cases.Karyogram",
    "job-image": "cases.EnhancementJob",
    "job-cell-image": "cases.EnhancementJob",
    "job-strengths": "cases.EnhancementJob",
    "job-retry": "cases.EnhancementJob",
    "job-cancel": "cases.EnhancementJob",
    "job-split": "cases.EnhancementJob",
    "rate-study": "studies.Study",
    "study-state": "studies.Study",
    "study-raters": "studies.Study",
    "study-progress": "studies.Study",
    "study-statistics": "studies.Study",
    "study-case-image": "studies.Study",
    "study-csv": "studies.Study",
    "karyogram-thumbnail": "cases.Karyogram",
    "training-create": "curation.Dataset",
    "training-status": "curation.TrainingRun",
    "training-sample": "curation.TrainingRun",
    "training-cancel": "curation.TrainingRun",
    "model-activate": "curation.ModelVersion",
    "model-evaluate": "curation.ModelVersion",
    "model-evaluation-status": "curation.ModelVersion",
    "model-comparison-cell": "curation.ModelComparison",
    "rater-invite-renew": settings.AUTH_USER_MODEL,
    "auth_user_password_change": settings.AUTH_USER_MODEL,
}
# Events the product writes itself (not a request's URL arguments): the detail holding the object's pk, and
# its model.
EVENT_TARGETS = {
    "karyogram-moved": ("karyogram", "cases.Karyogram"),
    "study-raters-added": ("study", "studies.Study"),
    "model-activate-override": ("pk", "curation.ModelVersion"),
    "rater-invited": ("rater_id", settings.AUTH_USER_MODEL),
    "rater-invite-renewed": ("rater_id", settings.AUTH_USER_MODEL),
}
# The URL argument that holds an object's primary key: ours, and the admin's (its password page's `id`).
PK_ARGUMENTS = ("pk", "object_id", "id")


@dataclass(frozen=True)
class Target:
    """An event's target: the object (None when deleted or unknown) of `model` with key `pk`, and the
    other details of the event's target as (name, text) pairs."""

    model: type[models.Model] | None
    pk: object
    obj: models.Model | None
    details: tuple[tuple[str, str], ...]


def _view_model(callback) -> type[models.Model] | None:
    """The model a view declares: a Django generic view's, a DRF viewset's queryset's, an admin page's."""
    model_admin = getattr(callback, "model_admin", None)
    if model_admin is not None:
        return model_admin.model
    view = getattr(callback, "view_class", None) or getattr(callback, "cls", None)
    model = getattr(view, "model", None)
    queryset = getattr(view, "queryset", None)
    return model or (queryset.model if queryset is not None else None)


def _patterns(patterns) -> Iterable[URLPattern]:
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            yield from _patterns(pattern.url_patterns)
        else:
            yield pattern


@cache
def url_models() -> dict[str, type[models.Model]]:
    """The model of the object each named URL takes (by a `PK_ARGUMENTS` argument), as the middleware names
    it: `PK_MODELS`'s where it has one, else the view's."""
    found: dict[str, type[models.Model]] = {}
    for pattern in _patterns(get_resolver().url_patterns):
        if pattern.name and set(PK_ARGUMENTS) & set(pattern.pattern.regex.groupindex):
            if pattern.name in PK_MODELS:
                model = apps.get_model(PK_MODELS[pattern.name])
            else:
                model = _view_model(pattern.callback)
            if model is not None:
                found.setdefault(pattern.name, model)
    return found


def _reference(event: AuditEvent) -> tuple[type[models.Model], str, object] | None:
    """The model, the target's key holding the object's pk, and the pk, when the event names an object."""
    target = event.target if isinstance(event.target, dict) else {}
    if event.action in EVENT_TARGETS:
        key, label = EVENT_TARGETS[event.action]
        model = apps.get_model(label)
    else:
        key = next((k for k in PK_ARGUMENTS if k in target), None)
        model = url_models().get(event.action)
    if key is None or model is None or target.get(key) in (None, ""):
        return None
    try:
        return model, key, model._meta.pk.to_python(target[key])
    except ValidationError:
        return None


def _text(value) -> str:
    if isinstance(value, list):
        return ", ".join(_text(v) for v in value) or "none"
    return "none" if value is None else str(value)


def resolve(events: Iterable[AuditEvent]) -> dict[int, Target]:
    """Each event's target, by event pk, with the objects loaded in one query per model."""
    events = list(events)
    references = {event.pk: _reference(event) for event in events}
    wanted: dict[type[models.Model], set] = defaultdict(set)
    for reference in filter(None, references.values()):
        wanted[reference[0]].add(reference[2])
    loaded = {model: model._default_manager.select_related().in_bulk(pks) for model, pks in wanted.items()}
    out = {}
    for event in events:
        reference = references[event.pk]
        target = event.target if isinstance(event.target, dict) else {"value": event.target}
        if reference is None:
            model, pk, obj, key = None, None, None, None
        else:
            model, key, pk = reference
            obj = loaded[model].get(pk)
        details = tuple((name, _text(value)) for name, value in target.items() if name != key)
        out[event.pk] = Target(model=model, pk=pk, obj=obj, details=details)
    return out
