import pytest

from tests.conftest import PASSWORD


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_login_and_logout_in_chromium(page, live_server, make_user):
    make_user("technologist", username="tess")
    page.goto(live_server.url + "/")
    page.get_by_role("link", name="Log in").first.click()
    page.fill("#id_username", "tess")
    page.fill("#id_password", PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(live_server.url + "/")
    assert "tess" in page.inner_text("header")
    assert "technologist" in page.inner_text("main")
    page.get_by_role("button", name="Log out").click()
    page.wait_for_selector("text=Logged out")
    assert "tess" not in page.inner_text("header")


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_wrong_password_shows_an_error(page, live_server, make_user):
    make_user("rater", username="rita")
    page.goto(live_server.url + "/accounts/login/")
    page.fill("#id_username", "rita")
    page.fill("#id_password", "not-the-password")
    page.get_by_role("button", name="Log in").click()
    assert "did not match" in page.inner_text("main")


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_the_first_tab_offers_a_skip_to_the_content(page, live_server):
    """Walk-through: a keyboard user tabbed through the whole menu on every page to reach its content."""
    page.goto(live_server.url + "/")
    skip = page.get_by_role("link", name="Skip to content")
    assert skip.bounding_box()["y"] < 0  # out of sight until wanted
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.textContent") == "Skip to content"
    assert skip.bounding_box()["y"] >= 0
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "main"
    page.keyboard.press("Tab")  # on into the page, not back through the menu
    assert page.evaluate("document.activeElement.closest('main') !== null")
