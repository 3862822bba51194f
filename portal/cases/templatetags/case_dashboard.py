"""The admin index's case counts: ``{% case_dashboard as counts %}``.

A template tag rather than a custom AdminSite or a context processor: only the
admin index asks for it, and it reads the selectors in portal.cases.dashboard.
"""

from django import template

from portal.cases import dashboard

register = template.Library()


@register.simple_tag(takes_context=True)
def case_dashboard(context):
    """The leader's counts (or None) and the clerk's own open count (or None
    for someone who belongs to no department)."""
    user = context["request"].user
    leader = dashboard.leader_counts(user)
    member = user.is_superuser or user.memberships.exists()
    return {
        "leader": leader,
        "mine": dashboard.my_open_count(user) if member else None,
    }
