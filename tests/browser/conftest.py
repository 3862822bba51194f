"""Browser fixtures: Debian's Chromium driven by Playwright for Python.

Playwright's own browser builds are never downloaded (no `playwright install`):
the tests launch /usr/bin/chromium, which CI installs as the Debian package
`chromium`. Where it is missing, the browser tests are skipped with that reason.

Every page a test opens may load only what the test server serves: any request
to another host is aborted and recorded, and the test fails on it (no CDN).
"""

from pathlib import Path
from urllib.parse import urlsplit

import pytest
from django.urls import reverse

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 860}
# Playwright's auto-waiting gives up after this long (milliseconds): a busy
# CI machine renders slowly, a broken page fails anyway.
TIMEOUT_MS = 20_000


def pytest_collection_modifyitems(config, items):
    if CHROMIUM.exists():
        return
    skip = pytest.mark.skip(reason=f"{CHROMIUM} is missing (Debian package chromium)")
    here = Path(__file__).parent
    for item in items:
        if here in Path(item.fspath).parents:
            item.add_marker(skip)


@pytest.fixture(scope="module")
def chromium():
    """One browser per test module. Playwright's sync API keeps an event loop
    running in this thread, which Django's ORM would take for async code: the
    test's own ORM calls between two page steps are synchronous all the same,
    so they are allowed while the browser lives, and only then."""
    from playwright.sync_api import sync_playwright

    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(
                executable_path=str(CHROMIUM), args=CHROMIUM_ARGS
            )
            yield browser
            browser.close()


class Browsing:
    """A phone-sized page on the live server, and what went wrong on the way:
    requests to other hosts, script errors, errors in the browser's console
    (among them whatever the Content-Security-Policy blocked), and answers
    with an error status (a missing stylesheet, a page that broke)."""

    def __init__(self, browser, live_server, *, javascript=True):
        self.base = live_server.url
        self.context = browser.new_context(
            viewport=PHONE,
            locale="zh-CN",
            java_script_enabled=javascript,
        )
        self.context.set_default_timeout(TIMEOUT_MS)
        self.outside_requests = []
        self.page_errors = []
        self.console_errors = []
        own_host = urlsplit(self.base).netloc
        self.context.route("**/*", lambda route: self._route(route, own_host))
        self.page = self.context.new_page()
        self.failed_responses = []
        self.page.on("pageerror", lambda error: self.page_errors.append(str(error)))
        self.page.on("console", self._console)
        self.page.on("response", self._response)

    def _console(self, message):
        # A failed load is reported by _response, with its URL.
        if message.type == "error" and not message.text.startswith(
            "Failed to load resource"
        ):
            self.console_errors.append(message.text)

    def _response(self, response):
        # The browser's own /favicon.ico request counts too: the site has one.
        if response.status >= 400:
            self.failed_responses.append(f"{response.status} {response.url}")

    def _route(self, route, own_host):
        url = route.request.url
        if urlsplit(url).netloc == own_host or url.startswith(("data:", "blob:")):
            route.continue_()
        else:
            self.outside_requests.append(url)
            route.abort()

    def as_phone(self):
        self.page.set_viewport_size(PHONE)

    def as_desktop(self):
        self.page.set_viewport_size(DESKTOP)

    def url(self, name, *args):
        return self.base + reverse(name, args=args)

    def goto(self, name, *args):
        return self.page.goto(self.url(name, *args))

    def submit(self):
        """Press the submit button of the page's (last) form in its main part
        and wait for the page the server answers with."""
        with self.page.expect_navigation():
            self.page.locator("main form[method=post] [type=submit]").last.click()

    def log_in(self, username, password):
        """Log in on the site's own login page."""
        self.goto("login")
        self.page.fill("#id_username", username)
        self.page.fill("#id_password", password)
        self.submit()

    def log_out(self):
        with self.page.expect_navigation():
            self.page.locator(f'form[action="{reverse("logout")}"] button').click()

    def log_in_admin(self, username, password):
        """Log in to the admin as staff: the steps of the admin's login. A
        second factor for staff, where there is one, is answered here."""
        page = self.page
        page.goto(self.url("admin:login"))
        page.fill("#id_username", username)
        page.fill("#id_password", password)
        with page.expect_navigation():
            page.locator("#login-form [type=submit]").click()
        self.pass_second_factor(username)

    def pass_second_factor(self, username):
        """Type the code the staff member's authenticator app would show now
        (computed from the device's key), as he would; on a first login, the
        enrolment page asks for it too and then shows the backup codes."""
        from django_otp.oath import totp
        from django_otp.plugins.otp_totp.models import TOTPDevice

        page = self.page
        path = urlsplit(page.url).path
        if path not in (reverse("otp_verify"), reverse("otp_setup")):
            return
        enrolling = path == reverse("otp_setup")
        device = TOTPDevice.objects.filter(
            user__username=username, confirmed=not enrolling
        ).first()
        page.fill("#id_code", f"{totp(device.bin_key, step=device.step):06d}")
        self.submit()
        if enrolling:
            with page.expect_navigation():
                page.locator("main a.btn-primary").click()

    def log_out_admin(self):
        with self.page.expect_navigation():
            self.page.locator(
                f'form[action="{reverse("admin:logout")}"] [type=submit]'
            ).click()

    def messages(self) -> list[str]:
        """The texts of the messages shown on the page, site or admin."""
        return self.page.locator(
            ".alert[role=status], .messagelist li"
        ).all_inner_texts()

    def close(self):
        self.context.close()


def _closed_cleanly(session):
    session.close()
    assert session.outside_requests == [], "pages loaded outside URLs"
    assert session.page_errors == [], "scripts failed on the pages"
    assert session.console_errors == [], "the browser's console shows errors"
    assert session.failed_responses == [], "the server answered with errors"


@pytest.fixture
def browsing(chromium, live_server):
    session = Browsing(chromium, live_server)
    yield session
    _closed_cleanly(session)


@pytest.fixture
def browser_page(browsing):
    """A phone-sized Playwright page; browsing.url(name) builds live URLs."""
    return browsing.page


@pytest.fixture
def browsing_without_javascript(chromium, live_server):
    session = Browsing(chromium, live_server, javascript=False)
    yield session
    _closed_cleanly(session)
