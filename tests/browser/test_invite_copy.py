"""The one-time invite link, shown only once, is copied whole with one button, on a desktop and a phone."""

import pytest


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("phone", [False, True], ids=["desktop", "phone"])
def test_the_invite_link_is_shown_whole_and_copied_with_its_button(signed_in, live_server, make_user, phone):
    make_user("curator", "cora")
    page = signed_in("cora", phone=phone)
    page.context.grant_permissions(["clipboard-read", "clipboard-write"], origin=live_server.url)
    page.goto(live_server.url + "/accounts/raters/")
    page.fill("#id_username", "newrater")
    page.get_by_role("button", name="Create rater and invite link").click()
    link = page.input_value("#invite-link")
    assert link.startswith(live_server.url)
    field = page.locator("#invite-link")
    # the whole link is in view, wrapped where the screen is narrow: the field's text does not overflow it
    assert field.evaluate("f => f.scrollWidth <= f.clientWidth + 1 && f.scrollHeight <= f.clientHeight + 1")
    page.get_by_role("button", name="Copy link").click()
    page.wait_for_selector("#invite-copied:has-text('Copied.')")
    assert page.evaluate("navigator.clipboard.readText()") == link
    assert page.evaluate("document.documentElement.scrollWidth") <= page.viewport_size["width"]
