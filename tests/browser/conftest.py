"""Headless Chromium (Debian's package) driven by Playwright."""

import shutil

import pytest
from playwright.sync_api import sync_playwright

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture(scope="session")
def browser():
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


DESKTOP = {"width": 1280, "height": 900}


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport=DESKTOP)
    page = context.new_page()
    page.set_default_timeout(15_000)
    yield page
    context.close()


PHONE = {"width": 390, "height": 844}


@pytest.fixture
def signed_in(browser, live_server):
    """`signed_in(username, viewport=…, phone=False, **context options)`: a page of a fresh browser context
    (a touch phone at twice the pixel density when `phone`), signed in through the login form as a person
    does. Its contexts close after the test."""
    from tests.conftest import PASSWORD

    contexts = []

    def sign_in(username: str, viewport: dict | None = None, phone: bool = False, **options):
        if phone:
            options = {"is_mobile": True, "has_touch": True, "device_scale_factor": 2, **options}
        context = browser.new_context(viewport=viewport or (PHONE if phone else DESKTOP), **options)
        contexts.append(context)
        page = context.new_page()
        page.set_default_timeout(15_000)
        page.goto(live_server.url + "/accounts/login/")
        page.fill("#id_username", username)
        page.fill("#id_password", PASSWORD)
        page.get_by_role("button", name="Log in").click()
        page.wait_for_selector("text=Log out")
        return page

    yield sign_in
    for context in contexts:
        context.close()


@pytest.fixture
def log_in(page, live_server):
    """Sign a user in through the login form, as a person does."""
    from tests.conftest import PASSWORD

    def sign_in(username: str, password: str = PASSWORD) -> None:
        page.goto(live_server.url + "/accounts/login/")
        page.fill("#id_username", username)
        page.fill("#id_password", password)
        page.get_by_role("button", name="Log in").click()

    return sign_in


@pytest.fixture
def job_on_case_page(page, live_server, log_in, finished_karyograms):
    """`open(state, progress)`: a finished karyogram's job put back to `state` (a JobState) at `progress`, its
    case page open in `page` for technologist "tech-for-study" with the job's row showing that state, and
    `window.notReloaded` set so a test can tell a row swapped in from a page reloaded. Returns the job."""
    from webapp.cases.models import EnhancementJob, JobState

    def open_page(state: JobState, progress: int) -> EnhancementJob:
        karyogram = finished_karyograms(1)[0]
        job = karyogram.jobs.get()
        EnhancementJob.objects.filter(pk=job.pk).update(state=state, progress=progress)
        log_in("tech-for-study")
        page.goto(live_server.url + karyogram.case.get_absolute_url())
        page.wait_for_selector(f"[data-job-state='{job.pk}']:text-is('{state.label}')")
        page.evaluate("window.notReloaded = true")
        return job

    return open_page


@pytest.fixture
def study_for_rita(make_user, finished_karyograms):
    """`make(name)`: an open study of 2 finished karyograms, made by curator "cora" for rater "rita"."""
    from webapp.studies import services

    def make(name: str):
        return services.create_study(
            name=name,
            instructions="",
            karyograms=finished_karyograms(2),
            raters=[make_user("rater", "rita")],
            created_by=make_user("curator", "cora"),
        )

    return make
