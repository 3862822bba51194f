"""Whistle test data, made through the services as users would make it."""

import datetime

from django.utils import timezone

from grid.whistle import services
from portal.cases import workflow
from portal.cases.tests.factories import file_case


def file_street_case(category, *, applicant, handler, title="小区积水倒灌"):
    case = file_case(category, applicant, title=title)
    return workflow.accept_case(case=case, actor=handler)


def blow(case, *, actor, secretary, departments, street=None):
    return services.whistle_blow(
        case=case,
        actor=actor,
        street=street,
        departments=departments,
        reason="需要相关部门到场联合处置",
        approved_by=secretary,
    )


def report(summons, *, actor, days=3):
    return services.whistle_report(
        summons=summons,
        actor=actor,
        task="现场核查并依职责处置",
        task_due_at=timezone.now() + datetime.timedelta(days=days),
    )


def close(case, *, handler, applicant):
    case = workflow.resolve_case(
        case=case, actor=handler, outcome="solved", reply="已联合处置完毕。"
    )
    return workflow.confirm_case(case=case, actor=applicant)
