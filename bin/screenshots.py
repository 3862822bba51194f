#!/usr/bin/env python
"""Take the README's screenshots from a running demo district.

Start the demo first (`make run`, or `make run PORT=8031`), then, in a second
shell, with the same DATABASE_URL as the server (unset for `make run`'s
default):

    .venv/bin/python bin/screenshots.py --base http://127.0.0.1:8000

(--out docs/screenshots is the default).

It drives Debian's Chromium (/usr/bin/chromium) with Playwright, as the browser
tests do (never `playwright install`), logs in as the demo people of
portal.accounts.demo and saves PNGs: the resident's pages on a phone-sized
screen, the clerk's and the leader's admin on a desktop one. It reads the demo
database only to pick good examples (a category, a case with a long timeline)
and, where staff log in with a second factor, to compute the current one-time
code of the demo user's device; it changes nothing.
"""

import argparse
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")
os.environ.setdefault("DEBUG", "1")
# Playwright's sync API runs an event loop in this thread; the ORM reads here
# are plain synchronous reads all the same.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--lang=zh-CN",  # the browser's own labels (file inputs) in Chinese too
]
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1440, "height": 900}
TIMEOUT_MS = 30_000


def one_time_code(username: str) -> str | None:
    """The current code of the user's confirmed TOTP device, if django-otp is
    installed and the user has one."""
    try:
        from django_otp.oath import TOTP
        from django_otp.plugins.otp_totp.models import TOTPDevice
    except ImportError:
        return None
    device = TOTPDevice.objects.filter(user__username=username, confirmed=True).first()
    if device is None:
        return None
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    return f"{totp.token():0{device.digits}d}"


OTP_INPUTS = (
    "input[autocomplete=one-time-code], input[name$=otp_token], "
    "input[name$=token]:not([type=hidden])"
)


class Shooter:
    def __init__(self, browser, base: str, out: Path):
        self.browser = browser
        self.base = base.rstrip("/")
        self.out = out
        self.saved = []

    def context(self, viewport, scale):
        context = self.browser.new_context(
            viewport=viewport, device_scale_factor=scale, locale="zh-CN"
        )
        context.set_default_timeout(TIMEOUT_MS)
        return context

    def phone(self):
        return self.context(PHONE, 2).new_page()

    def desktop(self):
        return self.context(DESKTOP, 1).new_page()

    def go(self, page, path):
        response = page.goto(self.base + path)
        if response is None or response.status >= 400:
            status = response.status if response else "no answer"
            raise SystemExit(f"{path}: {status}")

    def shot(self, page, name, *, full_page=False, height=None):
        """Save the page as name.png: the screen, the whole page, or the
        screen's top `height` pixels."""
        path = self.out / f"{name}.png"
        clip = None
        if height is not None:
            width = page.viewport_size["width"]
            clip = {"x": 0, "y": 0, "width": width, "height": height}
        page.screenshot(
            path=str(path), full_page=full_page, clip=clip, animations="disabled"
        )
        self.saved.append(path)

    def log_in(self, page, username, password):
        from django.urls import reverse

        self.go(page, reverse("login"))
        page.fill("#id_username", username)
        page.fill("#id_password", password)
        self.submit(page)

    def log_in_admin(self, page, username, password, *, shot_second_factor=None):
        """The admin's login, then the staff's second factor: the code the
        demo user's authenticator app would show now."""
        from django.urls import reverse

        self.go(page, reverse("admin:login"))
        # "username" or a wizard's "auth-username", and so on.
        page.locator("input[name$=username]").fill(username)
        page.locator("input[name$=password]").fill(password)
        self.submit(page)
        for _attempt in range(2):
            token = page.locator(OTP_INPUTS)
            if not token.count():
                break
            if shot_second_factor:
                self.shot(page, shot_second_factor, height=360)
                shot_second_factor = None
            code = one_time_code(username)
            if code is None:
                raise SystemExit(f"{username}: asked for a one-time code, no device")
            token.first.fill(code)
            self.submit(page)
            if page.locator(OTP_INPUTS).count():
                # A code is good once: this one was used a moment ago (a run
                # just before this one). The next one comes within 30 s.
                time.sleep(30 - time.time() % 30 + 1)
        if page.locator("input[name$=password], " + OTP_INPUTS).count():
            raise SystemExit(f"{username}: the admin login failed at {page.url}")
        # Fold the admin's navigation sidebar away (as its toggle would): the
        # list gets the width.
        page.evaluate("localStorage.setItem('django.admin.navSidebarIsOpen', 'false')")

    def submit(self, page):
        with page.expect_navigation():
            page.locator("main form[method=post] [type=submit]").last.click()


def examples():
    """Good demo objects to show, read from the demo database."""
    from django.db.models import Count, F

    from portal.cases.models import Case, CaseStatus, ServiceCategory

    category = (
        ServiceCategory.objects.filter(code="housing-leak").first()
        or ServiceCategory.objects.order_by("sort_order", "code").first()
    )
    followed = (
        Case.objects.filter(
            applicant__username="resident1",
            status__in=[CaseStatus.RESOLVED, CaseStatus.CLOSED],
            reply__gt="",
        )
        .annotate(steps=Count("events"))
        .order_by("-steps", "-submitted_at")
        .first()
    )
    # A resident's new matter (not a grid worker's report) waiting for the
    # housing clerk.
    waiting = (
        Case.objects.filter(
            department__code="housing",
            status=CaseStatus.SUBMITTED,
            applicant__isnull=False,
            submitter=F("applicant"),
        )
        .order_by("-submitted_at")
        .first()
    )
    if not (category and followed and waiting):
        raise SystemExit("the demo district is not loaded: run `make run` first")
    return category, followed, waiting


def take(shooter: Shooter, password: str) -> None:
    from django.urls import reverse

    category, followed, waiting = examples()

    # The resident, on a phone.
    page = shooter.phone()
    shooter.go(page, reverse("home"))
    shooter.shot(page, "resident-1-catalogue")
    shooter.go(page, reverse("catalogue:category", args=[category.code]))
    shooter.shot(page, "resident-2-service-guide")
    shooter.log_in(page, "resident1", password)
    shooter.go(page, reverse("catalogue:file", args=[category.code]))
    page.fill("#id_title", "3号楼楼道天花板漏水")
    page.fill("#id_description", "下雨时三楼楼道天花板漏水，墙皮脱落，已持续一周。")
    shooter.shot(page, "resident-3-filing-form")
    shooter.go(page, reverse("cases:list"))
    shooter.shot(page, "resident-4-my-matters")
    shooter.go(page, followed.get_absolute_url())
    page.locator("ol.timeline").scroll_into_view_if_needed()
    shooter.shot(page, "resident-5-case-timeline", full_page=True)
    page.context.close()

    # The clerk, on a desktop: the list, then a new case's page.
    page = shooter.desktop()
    shooter.log_in_admin(
        page, "clerk_housing", password, shot_second_factor="clerk-0-second-factor"
    )
    shooter.go(page, reverse("admin:cases_case_changelist"))
    shooter.shot(page, "clerk-1-changelist")
    shooter.go(page, reverse("admin:cases_case_change", args=[waiting.pk]))
    shooter.shot(page, "clerk-2-case-page")
    page.context.close()

    # The leader's admin index with the department's counts.
    page = shooter.desktop()
    shooter.log_in_admin(page, "leader_housing", password)
    shooter.go(page, reverse("admin:index"))
    shooter.shot(page, "leader-1-admin-index")
    page.context.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--base", default="http://127.0.0.1:8000")
    parser.add_argument("--out", default=str(ROOT / "docs" / "screenshots"))
    args = parser.parse_args()

    import django

    django.setup()
    from playwright.sync_api import sync_playwright

    from portal.accounts.demo import DEMO_PASSWORD

    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, args=CHROMIUM_ARGS
        )
        shooter = Shooter(browser, args.base, out)
        try:
            take(shooter, DEMO_PASSWORD)
        finally:
            browser.close()
    for path in shooter.saved:
        print(f"{path.relative_to(ROOT) if path.is_relative_to(ROOT) else path}"
              f"  {path.stat().st_size // 1024} KB")


if __name__ == "__main__":
    main()
