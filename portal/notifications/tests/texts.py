"""Expected notification texts, rendered in the site's language the way the
services render them, so that tests never spell out English or Chinese."""

from django.conf import settings
from django.template.loader import render_to_string
from django.utils import timezone, translation


def rendered(template: str, **context) -> str:
    with translation.override(settings.LANGUAGE_CODE):
        return render_to_string(template, context).strip()


def title(case, *, kind: str, audience: str, reminder: str = "") -> str:
    """The inbox title one recipient gets for one kind of timeline entry."""
    return rendered(
        "notifications/title.txt",
        case=case,
        kind=kind,
        audience=audience,
        reminder=reminder,
    )


def reminder_note(text, case) -> str:
    """A reminder or escalation note (portal.cases.workflow.overdue) about the
    case's running stage."""
    with translation.override(settings.LANGUAGE_CODE):
        return str(text) % {
            "stage": case.get_stage_display(),
            "due": timezone.localtime(case.stage_due_at).strftime("%Y-%m-%d %H:%M"),
        }
