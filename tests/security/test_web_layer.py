"""The web layer (issue 7): security headers, the Content-Security-Policy and
CSRF, checked on the pages people really use.

Every main page of the site, the admin and the API docs is rendered as the
user who would open it; each must carry the policy, contain no inline script,
event handler or inline style, and every POST form on it must carry the CSRF
token. The production values of the settings are checked in a clean
subprocess by tests/test_settings_deploy.py."""

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from rest_framework.views import APIView

from portal.accounts.tests.factories import UserFactory
from portal.cases import workflow
from portal.cases.tests.factories import file_case, pdf_upload
from tests.security.html_checks import inline_code, post_forms_without_csrf_token

POLICY = {
    "default-src": "'self'",
    "script-src": "'self'",
    "style-src": "'self'",
    "img-src": "'self' data:",
    "object-src": "'none'",
    "base-uri": "'self'",
    "frame-ancestors": "'none'",
    "form-action": "'self'",
}

# Pages rendered by a third-party template that sets an inline style
# attribute. The policy blocks it (the page works; only that rule is lost).
# django-simple-history's history list: <p class="paginator" style="border-top: 0">.
STYLE_ATTRIBUTE_ALLOWED = {"admin case history"}


def parse_policy(header: str) -> dict:
    directives = {}
    for part in header.split(";"):
        name, _, value = part.strip().partition(" ")
        if name:
            directives[name] = value.strip()
    return directives


@pytest.fixture
def superuser(db):
    return UserFactory(username="root", is_staff=True, is_superuser=True)


@pytest.fixture
def pages(category, people, superuser):
    """(label, user or None, url) for every main page."""
    owner, clerk = people["owner"], people["clerk"]
    submitted = file_case(category, owner, files=[pdf_upload()])
    accepted = workflow.accept_case(
        case=file_case(category, owner, title="电梯故障"), actor=clerk
    )
    return [
        ("home", None, reverse("home")),
        ("category", None, reverse("catalogue:category", args=[category.code])),
        ("login", None, reverse("login")),
        ("signup", None, reverse("signup")),
        ("file a matter", owner, reverse("catalogue:file", args=[category.code])),
        ("my matters", owner, reverse("cases:list")),
        ("detail", owner, reverse("cases:detail", args=[submitted.pk])),
        ("detail accepted", owner, reverse("cases:detail", args=[accepted.pk])),
        ("filed", owner, reverse("cases:filed", args=[submitted.pk])),
        ("real name", UserFactory(username="newcomer"), reverse("real_name")),
        ("password", owner, reverse("password_change")),
        ("inbox", owner, reverse("notifications:inbox")),
        ("preferences", owner, reverse("notifications:preferences")),
        ("site case history", clerk, reverse("cases:history", args=[submitted.pk])),
        ("whistle list", people["street_clerk"], reverse("whistle:list")),
        ("negative list", people["committee"], reverse("whistle:negative_list")),
        ("admin login", None, reverse("admin:login")),
        ("admin index", clerk, reverse("admin:index")),
        ("admin case changelist", clerk, reverse("admin:cases_case_changelist")),
        (
            "admin case change",
            clerk,
            reverse("admin:cases_case_change", args=[submitted.pk]),
        ),
        (
            "admin workflow form",
            clerk,
            reverse("admin:cases_case_workflow", args=[submitted.pk, "accept"]),
        ),
        (
            "admin resolve form",
            clerk,
            reverse("admin:cases_case_workflow", args=[accepted.pk, "resolve"]),
        ),
        (
            "admin case history",
            clerk,
            reverse("admin:cases_case_history", args=[submitted.pk]),
        ),
        (
            "admin holiday calendar",
            superuser,
            reverse("admin:cases_holidaycalendar_changelist"),
        ),
        (
            "admin holiday years",
            superuser,
            reverse("admin:cases_holidayyear_changelist"),
        ),
        ("admin add holiday", superuser, reverse("admin:cases_holidaycalendar_add")),
        (
            "admin categories",
            superuser,
            reverse("admin:cases_servicecategory_changelist"),
        ),
        (
            "admin category change",
            superuser,
            reverse("admin:cases_servicecategory_change", args=[category.pk]),
        ),
        ("admin users", superuser, reverse("admin:accounts_user_changelist")),
        (
            "admin user change",
            superuser,
            reverse("admin:accounts_user_change", args=[owner.pk]),
        ),
        ("admin grids", superuser, reverse("admin:grid_grid_changelist")),
        ("admin grid import", superuser, reverse("admin:grid_grid_import")),
        ("admin whistles", superuser, reverse("admin:whistle_whistle_changelist")),
        ("API docs", None, reverse("api:docs")),
    ]


def test_every_main_page_carries_the_policy_and_no_inline_code(client, pages):
    problems = []
    for label, user, url in pages:
        client.logout()
        if user is not None:
            client.force_login(user)
        response = client.get(url)
        assert response.status_code == 200, (label, url, response.status_code)
        assert "Content-Security-Policy" in response, label
        policy = parse_policy(response["Content-Security-Policy"])
        for directive, value in POLICY.items():
            assert policy.get(directive) == value, (label, directive, policy)
        html = response.content.decode()
        for found in inline_code(
            html, allow_style_attributes=label in STYLE_ATTRIBUTE_ALLOWED
        ):
            problems.append(f"{label} ({url}): {found}")
        for form in post_forms_without_csrf_token(html):
            problems.append(f"{label} ({url}): {form} has no CSRF token")
    assert not problems, "\n".join(problems)


def test_the_policy_allows_no_unsafe_source(client, db):
    header = client.get(reverse("home"))["Content-Security-Policy"]
    assert "unsafe-inline" not in header
    assert "unsafe-eval" not in header
    assert "*" not in header
    assert "http" not in header


def test_api_docs_load_their_start_up_script_as_a_file(client, db):
    """Swagger UI's start-up script comes from the split view (?script), so
    the page runs under the same policy as every other page."""
    page = client.get(reverse("api:docs")).content.decode()
    assert "?script=" in page or "&script=" in page or "?script" in page
    script = client.get(reverse("api:docs") + "?script=")
    assert script.status_code == 200
    assert script["Content-Type"].startswith("application/javascript")
    assert "SwaggerUIBundle" in script.content.decode()


def test_the_checker_finds_what_the_policy_blocks():
    assert inline_code("<script>alert(1)</script>")
    assert inline_code('<a href="#" onclick="go()">x</a>')
    assert inline_code('<div style="color:red">x</div>')
    assert inline_code("<style>p{}</style>")
    assert inline_code('<a href="javascript:go()">x</a>')
    assert not inline_code('<script src="/static/x.js" defer></script>')
    assert not inline_code('<script type="application/json" id="d">{"a":1}</script>')
    assert post_forms_without_csrf_token('<form method="post"><input name="a"></form>')
    assert not post_forms_without_csrf_token(
        '<form method="POST"><input type="hidden" name="csrfmiddlewaretoken" '
        'value="t"></form><form method="get"></form>'
    )


# --- headers ------------------------------------------------------------------


def test_security_headers_on_a_page(client, db, settings):
    settings.SECURE_HSTS_SECONDS = 31536000
    settings.SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    settings.SECURE_HSTS_PRELOAD = True
    response = client.get(reverse("home"), secure=True)
    assert response["Strict-Transport-Security"] == (
        "max-age=31536000; includeSubDomains; preload"
    )
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["Cross-Origin-Opener-Policy"] == "same-origin"


def test_hsts_subdomains_and_preload_can_be_left_out(client, db, settings):
    settings.SECURE_HSTS_SECONDS = 31536000
    settings.SECURE_HSTS_INCLUDE_SUBDOMAINS = False
    settings.SECURE_HSTS_PRELOAD = False
    response = client.get(reverse("home"), secure=True)
    assert response["Strict-Transport-Security"] == "max-age=31536000"


def test_admin_and_api_docs_cannot_be_framed(client, superuser):
    client.force_login(superuser)
    for url in (reverse("admin:index"), reverse("api:docs")):
        response = client.get(url)
        assert response["X-Frame-Options"] == "DENY", url
        assert "frame-ancestors 'none'" in response["Content-Security-Policy"], url


def test_session_and_csrf_cookies_are_secure_httponly_samesite(
    client, people, settings
):
    settings.SESSION_COOKIE_SECURE = True
    settings.CSRF_COOKIE_SECURE = True
    login_page = client.get(reverse("login"), secure=True)
    csrf = login_page.cookies[settings.CSRF_COOKIE_NAME]
    assert csrf["secure"] and csrf["httponly"] and csrf["samesite"] == "Lax"
    owner = people["owner"]
    response = client.post(
        reverse("login"),
        {
            "username": owner.username,
            "password": "yiwang-test-pass",
            "csrfmiddlewaretoken": csrf.value,
        },
        secure=True,
    )
    assert response.status_code == 302, response.content[:500]
    session = response.cookies[settings.SESSION_COOKIE_NAME]
    assert session["secure"] and session["httponly"] and session["samesite"] == "Lax"


# --- CSRF -------------------------------------------------------------------------

# Views that take no CSRF token, and why. Every other view is protected by
# CsrfViewMiddleware; DRF views by SessionAuthentication (which enforces CSRF
# for cookie sessions) and otherwise accept only a JWT bearer token.
CSRF_EXEMPT = {
    "open311:requests": "Open311 POST authenticates with the client's api_key "
    "parameter, never a cookie; the view reads no session.",
}


def _patterns(resolver=None, namespace=""):
    resolver = resolver or get_resolver()
    for entry in resolver.url_patterns:
        if isinstance(entry, URLResolver):
            inner = namespace
            if entry.namespace:
                inner = (
                    f"{namespace}:{entry.namespace}" if namespace else entry.namespace
                )
            yield from _patterns(entry, inner)
        elif isinstance(entry, URLPattern):
            name = f"{namespace}:{entry.name}" if namespace else (entry.name or "")
            yield name or str(entry.pattern), entry.callback


def test_no_view_is_csrf_exempt_except_the_documented_ones():
    from rest_framework.authentication import SessionAuthentication
    from rest_framework_simplejwt.authentication import JWTAuthentication

    unexpected = []
    for name, callback in _patterns():
        view_class = getattr(callback, "cls", None)
        if view_class is not None and issubclass(view_class, APIView):
            for auth in view_class.authentication_classes:
                if issubclass(auth, SessionAuthentication):
                    assert auth.enforce_csrf is SessionAuthentication.enforce_csrf, (
                        f"{name}: {auth} must not skip DRF's CSRF check"
                    )
                else:
                    assert issubclass(auth, JWTAuthentication), (
                        f"{name}: {auth} is neither JWT nor a CSRF-checked session"
                    )
            continue
        if getattr(callback, "csrf_exempt", False) and name not in CSRF_EXEMPT:
            unexpected.append(name)
    assert not unexpected, (
        f"csrf_exempt views without a documented reason: {unexpected}"
    )
    for name in CSRF_EXEMPT:
        assert any(n == name for n, _ in _patterns()), f"{name} no longer exists"


def test_a_post_without_the_token_is_refused(people):
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    client.force_login(people["owner"])
    response = client.post(reverse("notifications:read_all"))
    assert response.status_code == 403
