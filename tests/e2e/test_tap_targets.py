"""Every page a demo role reaches by following links, at 390×844: no control a finger uses
is smaller than 44 px high (WCAG 2.5.5; links inside running text are excepted, as WCAG
allows), no sideways scrolling."""

from __future__ import annotations

from collections import deque
from urllib.parse import urlsplit

import pytest

ROLES = [
    "guardian@example.org",
    "student@example.org",
    "mentor@example.org",
    "principal@example.org",
    "admin@example.org",
]
MAX_PAGES = 30  # per role: every kind of page, bounded in time
SKIP = (".ics", ".csv", ".vcf", "/static/", "/feeds/", "/role/", "/sw.js", "/manifest")

SMALL_TARGETS = """() => {
  const inRunningText = (el) => {
    if (el.tagName !== 'A') return false;
    const block = el.closest('p, li, dd, td, th, span.muted');
    if (!block) return false;
    const own = el.textContent.trim().length;
    return block.textContent.trim().length > own + 3;
  };
  const found = [];
  for (const el of document.querySelectorAll(
      'a[href], button, input:not([type=hidden]), select, textarea, summary')) {
    if (el.closest('[hidden], .visually-hidden, .skip-link')) continue;
    const box = el.getBoundingClientRect();
    if (box.width === 0 || box.height === 0) continue;
    if (inRunningText(el)) continue;
    let height = box.height;
    if (el.type === 'checkbox' || el.type === 'radio') {
      const label = el.closest('label') || document.querySelector(`label[for="${el.id}"]`);
      if (label) height = Math.max(height, label.getBoundingClientRect().height);
    }
    if (height < 44) {
      found.push(`${el.tagName.toLowerCase()} "${(el.textContent || el.name || '').trim()
        .slice(0, 40)}" ${Math.round(height)}px`);
    }
  }
  return found;
}"""


@pytest.mark.parametrize("email", ROLES)
def test_every_page_has_finger_sized_targets(phone, email):
    page = phone.page
    phone.sign_in(email)
    start = urlsplit(page.url).path
    queue, seen, problems = deque([start]), {start}, []
    while queue and len(seen) <= MAX_PAGES:
        path = queue.popleft()
        response = phone.goto(path)
        if (
            response is None
            or response.status != 200
            or "text/html" not in (response.headers.get("content-type", ""))
        ):
            continue
        for target in page.evaluate(SMALL_TARGETS):
            problems.append(f"{path}: {target}")
        width = page.evaluate("() => document.documentElement.scrollWidth")
        if width > page.viewport_size["width"]:
            problems.append(f"{path}: scrolls sideways ({width}px)")
        for href in page.evaluate(
            "() => [...document.querySelectorAll('a[href]')].map(a => a.getAttribute('href'))"
        ):
            link = urlsplit(href)
            if link.netloc or not link.path.startswith("/") or link.path.endswith(SKIP):
                continue
            if any(part in link.path for part in SKIP) or link.path in seen:
                continue
            seen.add(link.path)
            queue.append(link.path)
    assert problems == [], "\n".join(problems)
