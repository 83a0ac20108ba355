"""Every input a mentor's forms use is styled like the rest: at least 44 px high."""

from __future__ import annotations

from playwright.sync_api import expect


def test_date_time_and_number_inputs_are_styled(phone):
    page = phone.page
    phone.sign_in("mentor@example.org")
    page.get_by_role("link", name="7A").click()
    page.get_by_role("link", name="Utvecklingssamtal HT 2026").click()
    page.locator("a[href$='/slots/new']").first.click()
    expect(page.locator("input[type=time]").first).to_be_visible()
    small = page.evaluate(
        """() => [...document.querySelectorAll(
              'input[type=date], input[type=time], input[type=number], input[type=datetime-local]')]
            .filter(i => i.offsetParent !== null && i.getBoundingClientRect().height < 44)
            .map(i => i.name)"""
    )
    assert small == []
