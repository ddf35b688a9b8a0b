"""The stops one karyogram takes from upload to result, counted from a trace of the real calls.

    .venv/bin/python bench/pipeline_path.py [--root DIR]   # DIR: another checkout, e.g. an older commit

Runs one 900×750 synthetic karyogram through the web pipeline in this process (the upload API call,
then the slicing, enhancing and reassembly tasks, as the worker would), then through
`python -m enhancer enhance` (its `main`), and prints:

- stops: distinct calls from one project module into another (enhancer, webapp, workers), made by
  the web or CLI code or by a library function that code called directly (library internals, e.g.
  the slicer's own helpers, are not followed); a loop over cells counts once;
- climbs: how often the next stop is in a higher layer (enhancer < webapp < workers) than the one
  before, i.e. the karyogram's data went back up a layer to be handed down again;
- how often the job decoded the original, measured the karyogram's background (the fidelity guard's
  per-cell measure aside) and prepared a model input.

Comprehensions count as part of their function; dataclass-made methods and property reads are not stops.
"""

import argparse
import contextlib
import io
import os
import sys
import tempfile
from pathlib import Path

parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
parser.add_argument("--root", type=Path, default=Path(__file__).resolve().parents[1])
ARGS = parser.parse_args()
sys.path.insert(0, str(ARGS.root))
WORK = Path(tempfile.mkdtemp(prefix="chromo-path-"))
os.environ.update(
    DJANGO_SETTINGS_MODULE="webapp.settings.test",
    CHROMO_TEST_DIR=str(WORK),
    DATABASE_URL=f"sqlite:///{WORK / 'path.sqlite3'}",
)

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from django.test.utils import setup_test_environment  # noqa: E402
from rest_framework.authtoken.models import Token  # noqa: E402
from rest_framework.test import APIClient  # noqa: E402

from enhancer.cli import main as cli_main  # noqa: E402
from enhancer.io import ImageInfo, encode_karyogram  # noqa: E402
from enhancer.synthetic import synthesize  # noqa: E402
from webapp.accounts.roles import Role, assign_role  # noqa: E402
from webapp.cases.models import EnhancementJob  # noqa: E402
from workers import tasks  # noqa: E402

try:  # the Celery app lives with Django since the one-way layers; older checkouts kept it in workers
    from webapp.celery import app
except ImportError:
    from workers import app

LAYERS = {"enhancer": 0, "webapp": 1, "workers": 2}
GLUE = ("webapp", "workers", "enhancer.cli")
WATCHED = {
    "read_karyogram": "decodes",
    "background_level": "background levels",
    "to_model_input": "model inputs",
}


INLINE = ("<listcomp>", "<dictcomp>", "<setcomp>", "<genexpr>")


def _project(frame) -> str | None:
    """The project module running `frame`; code made at run time (Celery's argument check) is not."""
    name = frame.f_globals.get("__name__", "")
    real = frame.f_code.co_filename.startswith(str(ARGS.root))
    return name if real and name.split(".")[0] in LAYERS else None


def _trivial(frame) -> bool:
    """A dataclass-made method or a property read: an attribute, not a step."""
    qualname = frame.f_code.co_qualname
    if "__create_fn__" in qualname:
        return True
    owner, _, name = qualname.rpartition(".")
    return isinstance(vars(frame.f_globals.get(owner, object)).get(name), property)


class Trace:
    """Cross-module calls of the glue and of the library functions it calls directly, in order."""

    def __init__(self):
        self.stops: list[tuple[str, str, str, str]] = []  # caller module, caller, callee module, callee
        self.seen: set[tuple[str, str]] = set()
        self.watched = dict.fromkeys(WATCHED.values(), 0)

    def __call__(self, frame, event, arg):
        if event != "call" or (callee := _project(frame)) is None:
            return
        chain = []  # project frames above this call, nearest first (comprehensions are their function)
        parent = frame.f_back
        while parent is not None and len(chain) < 2:
            if _project(parent) and parent.f_code.co_name not in INLINE:
                chain.append(parent)
            parent = parent.f_back
        if not chain or frame.f_code.co_name in INLINE or _trivial(frame):
            return
        name = frame.f_code.co_name
        if name in WATCHED and callee.startswith("enhancer") and _project(chain[0]) != "enhancer.fidelity":
            self.watched[WATCHED[name]] += 1
        caller = chain[0]
        caller_module = _project(caller)
        glue = caller_module.startswith(GLUE)
        one_in = len(chain) > 1 and _project(chain[1]).startswith(GLUE)
        if caller_module == callee or not (glue or one_in):
            return
        key = (caller.f_code.co_qualname, frame.f_code.co_qualname)
        if key not in self.seen:
            self.seen.add(key)
            self.stops.append((caller_module, key[0], callee, key[1]))

    def report(self, title: str) -> None:
        layers = [LAYERS[c.split(".")[0]] for _, _, c, _ in self.stops]
        climbs = sum(later > earlier for earlier, later in zip(layers, layers[1:], strict=False))
        print(f"\n## {title}: {len(self.stops)} stops, {climbs} climbs back up a layer")
        for caller_module, caller, callee_module, callee in self.stops:
            print(f"  {caller_module}.{caller} → {callee_module}.{callee}")
        print("  " + ", ".join(f"{k}: {v}" for k, v in self.watched.items()))


def traced(run) -> Trace:
    trace = Trace()
    sys.setprofile(trace)
    try:
        run()
    finally:
        sys.setprofile(None)
    return trace


def main() -> None:
    setup_test_environment()
    call_command("migrate", verbosity=0)
    app.conf.broker_url = "memory://"  # the steps run here; their follow-up messages go nowhere
    from django.contrib.auth import get_user_model

    user = get_user_model().objects.create_user("path", password="path-password")
    assign_role(user, Role.TECHNOLOGIST)
    made = synthesize("47,XY,+8", seed=21, quality="poor", severity="mild", width=900, height=750)
    png = encode_karyogram(made.image, ImageInfo("PNG", 900, 750, 1, 8))
    (WORK / "k.png").write_bytes(png)
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=user).key}")
    case = api.post("/api/cases/", {"accession": "PATH-1", "sample_type": "bone_marrow"}, format="json")
    with contextlib.redirect_stdout(io.StringIO()):  # imports done and the model loaded once, quietly
        cli_main(["enhance", str(WORK / "k.png"), "-o", str(WORK / "warm.png")])
    uploaded = {}

    def upload():
        with (WORK / "k.png").open("rb") as f:
            body = api.post(f"/api/cases/{case.json()['id']}/karyograms/", {"image": f}, format="multipart")
        uploaded["job"] = body.json()["job"]["id"]

    def job():
        for step in (tasks.slice_karyogram_task, tasks.enhance_cells_task, tasks.reassemble_task):
            step(job_pk=uploaded["job"])

    upload_trace = traced(upload)
    job_trace = traced(job)
    assert EnhancementJob.objects.get(pk=uploaded["job"]).state == "done"
    whole = Trace()
    whole.stops = upload_trace.stops + [s for s in job_trace.stops if s[1:4:2] not in upload_trace.seen]
    whole.watched = {k: upload_trace.watched[k] + job_trace.watched[k] for k in job_trace.watched}
    whole.report("web: upload → done")
    job_trace.report("web: the job alone (slice → enhance → reassemble)")
    with contextlib.redirect_stdout(io.StringIO()):
        cli = traced(lambda: cli_main(["enhance", str(WORK / "k.png"), "-o", str(WORK / "cli.png")]))
    cli.report("python -m enhancer enhance")


if __name__ == "__main__":
    main()
