"""Curator pages: label karyograms, snapshot datasets, train, evaluate and activate models."""

import numpy as np
from django.contrib import messages
from django.core.files.storage import default_storage
from django.core.paginator import Paginator
from django.db import transaction
from django.db.models import Count, Q
from django.http import FileResponse, Http404, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views import View
from django.views.generic import DetailView, ListView
from PIL import Image

from webapp.accounts.roles import Role, RoleRequiredMixin, has_role
from webapp.audit.models import AuditEvent
from webapp.cases import services as case_services
from webapp.cases.models import Karyogram, Length, Quality
from webapp.core import queue, storage

from . import registry
from .comparison import KINDS, metric_rows, request_comparison
from .datasets import DatasetError, build_dataset
from .evaluation import EvaluationRefused, evaluation_work, request_evaluation
from .forms import BulkLabelForm, DatasetForm, OverrideForm, TrainingForm, UploadModelForm
from .models import Dataset, ModelComparison, ModelVersion, TrainingRun
from .training import start_training

THUMBNAIL = 240
EMPTY_SPLIT_ADVICE = (
    "Make a new dataset with more karyograms of that quality (whose layouts can be read), fewer "
    "excluded chromosomes, or test fraction 0."
)


class CuratorPage(RoleRequiredMixin):
    allowed_roles = (Role.CURATOR, Role.ADMIN)


def _filtered(request):
    karyograms = (
        Karyogram.objects.select_related("case").annotate(panel_count=Count("split_panels")).order_by("pk")
    )
    for field in ("quality", "length"):
        if request.GET.get(field):
            karyograms = karyograms.filter(**{field: request.GET[field]})
    if request.GET.get("included") in ("yes", "no"):
        karyograms = karyograms.filter(included=request.GET["included"] == "yes")
    if request.GET.get("q"):
        karyograms = karyograms.filter(
            Q(case__accession__icontains=request.GET["q"]) | Q(original_name__icontains=request.GET["q"])
        )
    return karyograms


class CurationView(CuratorPage, View):
    """Karyograms with thumbnails, filters and bulk labelling."""

    def get(self, request):
        page = Paginator(_filtered(request), 48).get_page(request.GET.get("page"))
        return render(
            request,
            "curation/karyograms.html",
            {
                "page": page,
                "form": BulkLabelForm(),
                "qualities": Quality.choices,
                "lengths": Length.choices,
                "query": request.GET,
            },
        )

    def post(self, request):
        form = BulkLabelForm(request.POST)
        ids = [int(i) for i in request.POST.getlist("selected") if i.isdigit()]
        if not form.is_valid() or not ids:
            messages.error(request, "Tick at least one karyogram and choose a label to apply.")
            return redirect(request.get_full_path())
        changes = {k: form.cleaned_data[k] for k in ("quality", "length") if form.cleaned_data[k]}
        include = {"yes": True, "no": False}.get(form.cleaned_data["included"])
        ticked = Karyogram.objects.filter(pk__in=ids)
        # a figure split into panels is not included again: its panels stand for it (else train and test share it)
        figures = (
            dict(ticked.filter(split_panels__isnull=False).values_list("pk", "original_name"))
            if include
            else {}
        )
        if changes:
            ticked.update(**changes)
        if include is not None:
            ticked.exclude(pk__in=figures).update(included=include)
        if not changes and include is None:
            messages.success(request, "No label chosen.")
        else:
            messages.success(request, f"{ticked.count()} karyogram(s) updated.")
        if figures:
            messages.warning(
                request,
                f"Not included: {', '.join(figures.values())}, a figure split into panels (its panels are offered "
                "instead).",
            )
        return redirect(request.get_full_path())


class ThumbnailView(CuratorPage, View):
    """A small PNG of a karyogram, made once and kept in media storage."""

    def get(self, request, pk):
        karyogram = get_object_or_404(Karyogram, pk=pk)

        def make() -> bytes:
            grey = case_services.read_stored(karyogram).grey
            image = Image.fromarray(np.clip(grey * 255, 0, 255).astype(np.uint8))
            image.thumbnail((THUMBNAIL, THUMBNAIL))
            return case_services.display_png(np.asarray(image))

        return HttpResponse(
            storage.cached_file(f"thumbnails/{karyogram.uid}.png", make), content_type="image/png"
        )


class DatasetListView(CuratorPage, ListView):
    model = Dataset
    template_name = "curation/datasets.html"
    context_object_name = "datasets"


class DatasetCreateView(CuratorPage, View):
    def get(self, request):
        return render(request, "curation/dataset_form.html", {"form": DatasetForm(), **_domain_counts()})

    def post(self, request):
        form = DatasetForm(request.POST)
        if form.is_valid():
            data = form.cleaned_data
            chosen = Karyogram.objects.filter(included=True, length__in=data["lengths"])
            try:
                dataset = build_dataset(
                    name=data["name"],
                    karyograms=list(chosen),
                    excluded=data["excluded_labels"],
                    test_fraction=data["test_fraction"],
                    seed=data["seed"],
                    user=request.user,
                )
            except DatasetError as exc:
                form.add_error(None, str(exc))
            else:
                queue.send_on_commit(queue.COUNT_CELLS, dataset_pk=dataset.pk)
                messages.success(request, f"Dataset {dataset.name} saved; its cells are being counted.")
                return redirect(dataset)
        return render(request, "curation/dataset_form.html", {"form": form, **_domain_counts()}, status=400)


def _domain_counts() -> dict:
    included = Karyogram.objects.filter(included=True)
    return {
        "n_poor": included.filter(quality=Quality.POOR).count(),
        "n_excellent": included.filter(quality=Quality.EXCELLENT).count(),
    }


class DatasetDetailView(CuratorPage, DetailView):
    model = Dataset
    template_name = "curation/dataset_detail.html"
    context_object_name = "dataset"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["training_form"] = kwargs.get("training_form") or TrainingForm()
        context["empty_split_advice"] = EMPTY_SPLIT_ADVICE
        context["runs"] = self.object.runs.all()
        return context


class TrainingCreateView(CuratorPage, View):
    def post(self, request, pk):
        dataset = get_object_or_404(Dataset, pk=pk)
        form = TrainingForm(request.POST)
        if not dataset.is_ready:
            messages.error(request, "Training not started: the dataset's cells are still being counted.")
            return redirect(dataset)
        if dataset.cell_warnings:
            messages.error(
                request, "Training not started: " + " ".join(dataset.cell_warnings) + " " + EMPTY_SPLIT_ADVICE
            )
            return redirect(dataset)
        if not form.is_valid():  # the form comes back as typed, each error beside its field (said once)
            fields = [form.fields[name].label or name for name in form.errors if name in form.fields]
            where = f" (see {', '.join(fields)})" if fields else ""
            messages.error(request, f"Training not started: correct the training form below{where}.")
            page = DatasetDetailView(request=request, kwargs={"pk": pk}, object=dataset)
            return page.render_to_response(page.get_context_data(training_form=form), status=400)
        config = form.training_config(dataset.excluded_labels)
        return redirect(start_training(dataset, config, request.user, form.cleaned_data["start_from"]))


class TrainingDetailView(CuratorPage, DetailView):
    model = TrainingRun
    template_name = "curation/training_detail.html"
    context_object_name = "run"


class TrainingStatusView(CuratorPage, View):
    """Live progress as JSON: state, epoch, iteration, the sampled losses, whether a sample grid is published
    yet (the page asks for it only then), and why it waits when no worker takes its next step."""

    def get(self, request, pk):
        run = get_object_or_404(TrainingRun, pk=pk)
        return JsonResponse(
            {
                "state": run.state,
                "state_display": run.get_state_display(),
                "progress": run.progress,
                "epoch": run.epoch,
                "iteration": run.iteration,
                "iterations": run.iterations,
                "losses": run.losses,
                "sample": default_storage.exists(run.sample_path),
                "error": run.error,
                "waiting_for_worker": run.waiting_for_worker,
                "active": run.is_active,
                "cancellable": run.is_cancellable,
                "model": run.model.name if run.model else None,
            }
        )


def _stored_png(path: str) -> FileResponse:
    """A PNG a worker wrote to media storage (404 until it has)."""
    if not default_storage.exists(path):
        raise Http404("not written yet")
    return FileResponse(default_storage.open(path, "rb"), content_type="image/png")


class TrainingSampleView(CuratorPage, View):
    """The latest sample grid (poor | enhanced | cycled back), as the training worker published it."""

    def get(self, request, pk):
        return _stored_png(get_object_or_404(TrainingRun, pk=pk).sample_path)


class TrainingCancelView(CuratorPage, View):
    def post(self, request, pk):
        run = get_object_or_404(TrainingRun, pk=pk)
        if TrainingRun.objects.cancel(run.pk) is None:
            run.refresh_from_db()
            messages.error(
                request,
                f"Nothing to cancel: the run is {run.get_state_display().lower()}"
                f"{' and cancelling' if run.cancel_requested else ''}.",
            )
        else:
            messages.success(request, "Cancelling: the run stops at its next progress report.")
        return redirect(run)


def _models_page(request, upload_form: UploadModelForm, status: int = 200) -> HttpResponse:
    """The registry: every version with the bars it fails, its evaluation (under way: polled by progress.js,
    failed: with the reason), and the versions with the same weights; admins may override with a reason."""
    versions = registry.listed_versions()
    shipped = versions[0]  # listed first; asked for once (it stats and may hash ENHANCER_MODEL_DIR)
    in_use = registry.active_version() or shipped
    work = evaluation_work(versions)
    rows = [
        (
            v,
            registry.activation_failures(v),
            work.get(v.pk),
            isinstance(work.get(v.pk), TrainingRun),
            [t.name for t in versions if t.weights_sha256 == v.weights_sha256 and t != v],
        )
        for v in versions
    ]
    return render(
        request,
        "curation/models.html",
        {
            "rows": rows,
            "versions": versions,
            "in_use": in_use,
            "shipped": shipped,
            "is_admin": has_role(request.user, [Role.ADMIN]),
            "upload_form": upload_form,
        },
        status=status,
    )


class ModelListView(CuratorPage, View):
    def get(self, request):
        return _models_page(request, UploadModelForm())


class ModelEvaluationStatusView(CuratorPage, View):
    """A version's evaluation as JSON in the job API's terms (state, stage, progress, active, error, waiting_for_worker),
    which progress.js polls on the models page; 404 for a version never sent to be evaluated."""

    def get(self, request, pk):
        version = get_object_or_404(ModelVersion, pk=pk)
        work = evaluation_work([version]).get(version.pk)
        if work is None:
            raise Http404("this version has no evaluation")
        return JsonResponse(
            {
                "state": work.state,
                "stage": work.get_state_display(),
                "progress": work.progress,
                "active": work.is_active,
                "error": work.error,
                "waiting_for_worker": work.waiting_for_worker,
                "by_training_run": isinstance(work, TrainingRun),
            }
        )


class ModelActivateView(CuratorPage, View):
    """Activate a version that passes its evaluation's bars, or, for an admin, one that fails with a reason."""

    def post(self, request, pk):
        version = get_object_or_404(ModelVersion, pk=pk)
        failures = registry.activation_failures(version)
        if failures:
            override = OverrideForm(request.POST)
            if not has_role(request.user, [Role.ADMIN]) or not override.is_valid():
                how = (
                    "Give a reason of at least 10 characters to activate it anyway."
                    if has_role(request.user, [Role.ADMIN])
                    else "Only an admin may activate it anyway, with a reason."
                )
                messages.error(
                    request,
                    f"{version.name} was not activated: it fails the bar"
                    f"{'s' if len(failures) > 1 else ''}: {'; '.join(failures)}. {how}",
                )
                return redirect("model-list")
            _audit_override(request, version, override.cleaned_data["override_reason"], failures)
        registry.activate(version)
        messages.success(request, f"{version.name} is now the active model; new enhancement jobs use it.")
        return redirect("model-list")


def _audit_override(request, version: ModelVersion, reason: str, failures: list[str]) -> None:
    """The audit trail keeps who activated a failing model, why, and which bars it failed."""
    AuditEvent.objects.create(
        user=request.user,
        username=request.user.get_username(),
        action="model-activate-override",
        method=request.method,
        path=request.path[:500],
        status=302,
        ip=request.META.get("REMOTE_ADDR") or None,
        target={"pk": str(version.pk), "model": version.name, "reason": reason, "failed": failures},
    )


class ModelUploadView(CuratorPage, View):
    """Register an upload and send its evaluation, which the activation gate needs, to a worker."""

    def post(self, request):
        form = UploadModelForm(request.POST, request.FILES)
        if form.is_valid():
            try:
                with transaction.atomic():
                    version = registry.register_upload(
                        name=form.cleaned_data["name"],
                        weights=form.cleaned_data["weights"].read(),
                        card=form.cleaned_data["card"].read(),
                        user=request.user,
                    )
                    request_evaluation(version, request.user)
            except registry.ModelError as exc:
                form.add_error(None, str(exc))
            else:
                twins = [t.name for t in registry.same_weights(version.weights_sha256, exclude=version)]
                same = (
                    f" It has the same weights as {', '.join(twins)} (another model card)." if twins else ""
                )
                messages.success(
                    request,
                    f"Model {version.name} registered (not active yet); a worker is evaluating it.{same}",
                )
                return redirect("model-list")
        return _models_page(request, form, status=400)


class ModelEvaluateView(CuratorPage, View):
    """Send a version's evaluation (again): its last one failed, or it was registered without one."""

    def post(self, request, pk):
        version = get_object_or_404(ModelVersion, pk=pk)
        try:
            request_evaluation(version, request.user)
        except EvaluationRefused as exc:
            messages.error(request, str(exc))
        else:
            messages.success(request, f"{version.name} is being evaluated by a worker.")
        return redirect("model-list")


class ModelCompareView(CuratorPage, View):
    """Choose two versions; a worker runs both on the same cells (or the comparison made before is shown)."""

    def get(self, request):
        return render(request, "curation/compare.html", {"versions": registry.listed_versions()})

    def post(self, request):
        pks = request.POST.get("a", ""), request.POST.get("b", "")
        if not all(pk.isdigit() for pk in pks):
            messages.error(request, "Choose two models to compare.")
            return redirect("model-compare")
        first, second = (get_object_or_404(ModelVersion, pk=pk) for pk in pks)
        return redirect(request_comparison(first, second, request.user))


class ModelComparisonView(CuratorPage, DetailView):
    """A comparison's metrics at once, its cells once the worker has written them."""

    model = ModelComparison
    template_name = "curation/comparison.html"
    context_object_name = "comparison"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["metric_rows"] = metric_rows(self.object.first, self.object.second)
        # Why a version's figures read "–": being evaluated, or not yet (one note when compared with itself).
        versions = [v for v in dict.fromkeys((self.object.first, self.object.second)) if not v.evaluation]
        work = evaluation_work(versions)
        context["unevaluated"] = [(v, v.pk in work and work[v.pk].is_active) for v in versions]
        return context


class ModelComparisonCellView(CuratorPage, View):
    def get(self, request, pk, label, kind):
        comparison = get_object_or_404(ModelComparison, pk=pk)
        if kind not in KINDS or label not in comparison.labels:
            raise Http404("no such cell")
        return _stored_png(comparison.cell_path(label, kind))
