"""Links to the whistle pages where staff work: the whistle button of the
admin's case page and the whistle box of the admin index. Each asks
grid.whistle.policies, so a link shows only to whom the page would open."""

from django import template
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from grid.whistle import policies, selectors
from grid.whistle.models import Whistle

register = template.Library()

BLOW = _("Blow the whistle")
WHISTLE_FILE = _("Whistle file")


@register.simple_tag
def whistle_case_action(case, user):
    """The case page's whistle button: the file of the case's whistle for
    those who may read it, else "blow the whistle" for those who may blow
    one; None for everyone else. One query for a case without a whistle
    (whether it has one and whether the user works for a street, asked
    together: policies.whistle_and_street), two for one with a whistle."""
    if case is None or not policies.can_view_ledger(user):
        return None
    whistle_id, on_a_street = policies.whistle_and_street(user, case)
    if whistle_id is not None:
        whistles = selectors.whistles_for_user(user)
        if whistles.filter(pk=whistle_id).exists():
            return {
                "name": "whistle-file",
                "label": WHISTLE_FILE,
                "url": Whistle(pk=whistle_id).get_absolute_url(),
            }
        return None
    if policies.may_blow_on(user, case, whistle_absent=True, on_a_street=on_a_street):
        return {
            "name": "whistle-blow",
            "label": BLOW,
            "url": reverse("whistle:blow", args=[case.pk]),
        }
    return None


@register.simple_tag
def whistle_links(user):
    """The whistle pages the user may open, as (name, label, url)."""
    links = []
    if policies.can_view_ledger(user):
        links.append(("whistle-list", _("Whistle files"), reverse("whistle:list")))
    if policies.can_view_negative_list(user):
        links.append(
            ("negative-list", _("Negative list"), reverse("whistle:negative_list"))
        )
    return links
