"""The case page's files and timeline are drawn without forms
(portal.cases.admin_records); each cell must be what Django's read-only
inline showed, and only staff who may read the internal entries see them."""

import re

import pytest
from django.contrib import admin
from django.contrib.admin.helpers import AdminReadonlyField
from django.db import connection
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from portal.cases import workflow
from portal.cases.admin import AttachmentInline, CaseEventInline
from portal.cases.admin_records import RecordTable
from portal.cases.attachments import check_upload, store_attachment
from portal.cases.models import Case, CaseEvent
from portal.cases.tests.factories import file_case, pdf_upload


@pytest.fixture
def busy_case(category, people):
    case = file_case(category, people["owner"], files=[pdf_upload("房产证.pdf")])
    workflow.accept_case(case=case, actor=people["clerk"], note="已受理\n第二行 <b>")
    workflow.assign_case(case=case, actor=people["clerk"], assignee=people["clerk2"])
    return Case.objects.get(pk=case.pk)


def django_cells(inline, request, case, row) -> list[str]:
    """What Django's tabular inline drew in each cell of the row."""
    form = inline.get_formset(request, case).form(instance=row)
    return [
        str(AdminReadonlyField(form, name, False, model_admin=inline).contents())
        for name in inline.fields
    ]


@pytest.mark.parametrize("inline_class", [AttachmentInline, CaseEventInline])
def test_cells_are_what_the_inline_showed(busy_case, people, inline_class):
    request = RequestFactory().get("/")
    request.user = people["clerk"]
    inline = inline_class(Case, admin.site)
    table = RecordTable(inline, request, busy_case)
    rows = list(inline.get_queryset(request).filter(case=busy_case))
    assert len(table.rows) == len(rows) > 0
    for drawn, row in zip(table.rows, rows, strict=True):
        cells = django_cells(inline, request, busy_case, row)
        for name, cell in zip(inline.fields, cells, strict=True):
            assert f'<td class="field-{name}"><p>{cell}</p></td>' in drawn
        assert f"<p>{row}</p>" in drawn  # the entry's name, as Django showed it
    assert [column["name"] for column in table.columns] == list(inline.fields)


def test_timeline_label_is_the_entry_name_for_every_kind(busy_case):
    inline = CaseEventInline(Case, admin.site)
    for kind in CaseEvent.Kind.values:
        event = CaseEvent(case_id=busy_case.pk, kind=kind)
        assert inline.record_label(event) == str(event)


def test_page_shows_files_and_timeline_to_staff_only(client, busy_case, people):
    url = reverse("admin:cases_case_change", args=[busy_case.pk])
    client.force_login(people["clerk"])
    body = client.get(url).content.decode()
    assert 'id="events-group"' in body and 'id="attachments-group"' in body
    assert "房产证.pdf" in body
    assert "已受理<br>第二行 &lt;b&gt;" in body  # escaped, line breaks kept
    assert str(people["clerk2"]) in body  # the assignment's internal note
    assert reverse("admin:accounts_user_change", args=[people["clerk"].pk]) in body
    assert body.count('class="field-kind"') == busy_case.events.count()
    # Nothing on the case page can be posted back as a formset.
    assert "events-TOTAL_FORMS" not in body
    # The committee reads it; a clerk of another bureau does not find it.
    client.force_login(people["committee"])
    assert 'id="events-group"' in client.get(url).content.decode()
    client.force_login(people["other_clerk"])
    assert client.get(url).status_code in (302, 404)


def test_case_page_queries_do_not_grow_with_files_or_entries(
    client, category, people, django_assert_num_queries
):
    case = file_case(category, people["owner"], files=[pdf_upload("a.pdf")])
    workflow.accept_case(case=case, actor=people["clerk"])
    url = reverse("admin:cases_case_change", args=[case.pk])
    client.force_login(people["clerk"])
    client.get(url)
    with CaptureQueriesContext(connection) as small:
        client.get(url)
    for index in range(6):
        assignee = people["clerk2"] if index % 2 else people["clerk"]
        workflow.assign_case(case=case, actor=people["clerk"], assignee=assignee)
    for name in ("b.pdf", "c.pdf"):
        upload = pdf_upload(name)
        content_type, sha256 = check_upload(upload)
        store_attachment(
            case=case,
            upload=upload,
            content_type=content_type,
            sha256=sha256,
            uploaded_by=people["clerk"],
        )
    with django_assert_num_queries(len(small)):
        body = client.get(url).content.decode()
    assert body.count('class="field-download"') == 3
    assert body.count('class="field-kind"') == case.events.count() >= 8


def _history_list(html: str) -> str:
    """The history list (table and count) without the template's indentation."""
    start = html.index('<table id="change-history"')
    end = html.index("</p>", html.index('<p class="paginator"', start))
    html = re.sub(r"\s+", " ", html[start:end])
    return re.sub(r"\s*(<|>)\s*", r"\1", html)


def test_history_page_is_simple_historys_page(client, busy_case, people, monkeypatch):
    """The history list drawn by HistoryRows is simple-history's own list
    (its template, every relation joined), cell by cell; the changed
    relations show by name."""
    from simple_history.admin import SimpleHistoryAdmin

    from portal.cases.admin import CaseAdmin

    workflow.assign_case(
        case=busy_case, actor=people["clerk2"], assignee=people["clerk"]
    )
    url = reverse("admin:cases_case_history", args=[busy_case.pk])
    client.force_login(people["clerk"])
    drawn = _history_list(client.get(url).content.decode())
    monkeypatch.setattr(
        CaseAdmin,
        "object_history_list_template",
        SimpleHistoryAdmin.object_history_list_template,
    )
    monkeypatch.setattr(
        CaseAdmin, "get_history_queryset", SimpleHistoryAdmin.get_history_queryset
    )
    assert drawn == _history_list(client.get(url).content.decode())
    assert drawn.count("<tr>") == busy_case.history.count() + 1  # and the headers
    assert f"{people['clerk2']} &nbsp;&rarr;&nbsp;&nbsp;{people['clerk']}" in drawn


@pytest.mark.parametrize(
    "format_string", ["Y年n月j日 H:i", "Y-m-d G:i:s", "N j, Y, P", r"j \d\e F Y"]
)
def test_datetime_formatter_is_dateformat(format_string):
    import datetime

    from django.utils.dateformat import format as date_format

    from portal.cases.admin_records import datetime_formatter

    formatter = datetime_formatter(format_string)
    start = datetime.datetime(2026, 1, 2, 3, 4, 5)
    for hours in range(0, 24 * 400, 37):
        value = start + datetime.timedelta(hours=hours, minutes=hours % 60)
        assert formatter(value) == date_format(value, format_string)


def _form_region(html: str) -> str:
    """The case form's fieldsets, without the template's indentation."""
    start = html.index('<fieldset class="module aligned')
    end = html.index('<div class="inline-group"', start)
    html = re.sub(r"\s+", " ", html[start:end])
    return re.sub(r"\s*(<|>)\s*", r"\1", html)


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_case_fields_are_what_the_fieldset_template_showed(
    client, busy_case, people, monkeypatch, language
):
    """readonly_fieldsets draws what admin/includes/fieldset.html drew with
    an AdminReadonlyField per field: labels, links, choices, dates, the
    applicant's summary, the details, the empty value."""
    from django.utils import translation

    from portal.cases import admin as case_admin

    url = reverse("admin:cases_case_change", args=[busy_case.pk])
    client.force_login(people["clerk"])
    with translation.override(language):
        page = client.get(url, HTTP_ACCEPT_LANGUAGE=language)
        monkeypatch.setattr(case_admin, "readonly_fieldsets", lambda adminform: None)
        django = client.get(url, HTTP_ACCEPT_LANGUAGE=language).content.decode()
    assert page.context["case_fieldsets"]  # drawn in one pass, not by the template
    drawn = page.content.decode()
    assert _form_region(drawn) == _form_region(django)
    assert _form_region(drawn).count('<div class="readonly">') == len(
        case_admin.CaseAdmin.readonly_fields
    )
    assert f'<div class="readonly">{busy_case.tracking_number}</div>' in drawn


def test_fieldsets_fall_back_to_the_template_for_editable_fields(people):
    """A page with an editable field is left to Django's template."""
    from django.contrib.admin.helpers import AdminForm

    from portal.cases.admin import CaseAdmin
    from portal.cases.admin_records import readonly_fieldsets

    model_admin = CaseAdmin(Case, admin.site)
    request = RequestFactory().get("/")
    request.user = people["clerk"]
    form_class = model_admin.get_form(request, None, fields=["title"])
    form = form_class()
    editable = AdminForm(form, [(None, {"fields": ["title"]})], {}, (), model_admin)
    assert readonly_fieldsets(editable) is None


@pytest.mark.parametrize(
    "text", ["", "一行", "a\r\nb\rc\nd", "<b>'\"&</b>", "x\n\n", "\r\n\r\n末"]
)
def test_text_html_is_linebreaksbr(text):
    from django.template.defaultfilters import linebreaksbr

    from portal.cases.admin_records import text_html

    assert text_html(text) == linebreaksbr(text)


def _page_body(html: str) -> str:
    """The page without the template's indentation and the per-response
    CSRF token."""
    html = re.sub(r'name="csrfmiddlewaretoken" value="[^"]*"', "", html)
    html = re.sub(r"\s+", " ", html)
    return re.sub(r"\s*(<|>)\s*", r"\1", html)


def test_history_page_is_simple_historys_view(busy_case, people):
    """CaseAdmin.history_view reads the case once; the page is what
    simple-history's own view (after our visibility check) drew."""
    from django.contrib.auth import get_user_model
    from django.contrib.contenttypes.models import ContentType
    from simple_history.admin import SimpleHistoryAdmin

    model_admin = admin.site._registry[Case]
    url = reverse("admin:cases_case_history", args=[busy_case.pk])

    def draw(view):
        request = RequestFactory().get(url)
        # A fresh user object: nothing the other view read is kept on it.
        request.user = get_user_model().objects.get(pk=people["clerk"].pk)
        with CaptureQueriesContext(connection) as queries:
            response = view(model_admin, request, str(busy_case.pk))
        return _page_body(response.content.decode()), len(queries)

    def simple_historys(self, request, object_id):
        self._visible_or_404(request, object_id)
        return SimpleHistoryAdmin.history_view(self, request, object_id)

    # simple-history's view asks ContentType for the user model: cached per
    # process, so warmed here for a count of each view's own queries.
    ContentType.objects.get_for_model(get_user_model())
    drawn, ours = draw(type(model_admin).history_view)
    expected, theirs = draw(simple_historys)
    assert drawn == expected
    assert 'id="change-history"' in drawn
    assert ours == theirs - 1  # the case is read once, not twice


def test_history_page_of_an_invisible_or_unknown_case_is_404(client, busy_case, people):
    from portal.audit.models import AuditRecord

    client.force_login(people["other_clerk"])
    refused = AuditRecord.objects.count()
    for pk in (busy_case.pk, 987654, "x"):
        url = reverse("admin:cases_case_history", args=[pk])
        assert client.get(url).status_code == 404
    assert AuditRecord.objects.count() == refused + 3
