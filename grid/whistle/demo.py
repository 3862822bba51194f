"""Demo whistles in every state: just blown, all reported, one late, one
missing (on the negative list), and struck off.

Made through the services at the moments they would have happened (the clock
is moved with time-machine, demo only), so history rows, timeline notes and
negative-list entries are what real use writes.
"""

import datetime

import time_machine
from django.utils import timezone

from grid.whistle import services
from grid.whistle.models import Whistle
from portal.accounts import services as accounts_services
from portal.accounts.demo import DEMO_PASSWORD
from portal.accounts.models import User
from portal.cases import workflow
from portal.cases.models import Outcome, ServiceCategory

CATEGORY_CODE = "community-matter"
SECRETARY = ("leader_fengcai", "丰财街道党工委书记 王强")

# title, hours ago blown, summoned department codes, what happens next
SCENARIOS = [
    (
        "中山北路违建占道经营，多部门联合整治",
        0.3,
        ["urban-management", "market"],
        "blown",
    ),
    ("老旧小区加装电梯施工扰民", 30, ["housing", "urban-management"], "reported"),
    ("小区地下室群租安全隐患", 75, ["housing", "market"], "late"),
    ("农贸市场周边占道及食品安全问题", 50, ["market", "urban-management"], "missing"),
    ("雨季小区积水倒灌", 240, ["housing", "urban-management"], "struck_off"),
]


def _secretary(street):
    username, real_name = SECRETARY
    user, created = User.objects.get_or_create(
        username=username, defaults={"real_name": real_name}
    )
    if created:
        user.set_password(DEMO_PASSWORD)
        user.save()
    accounts_services.staff_member_add(user=user, department=street, role="leader")
    return user


def load(context: dict) -> None:
    """Demo loader entry point (settings.DEMO_LOADERS)."""
    if Whistle.objects.exists():
        return
    departments, people = context["departments"], context["people"]
    category = ServiceCategory.objects.filter(code=CATEGORY_CODE).first()
    if category is None:
        return
    street = departments["fengcai"]
    secretary = _secretary(street)
    clerk = people["clerk_fengcai"]
    resident = people["resident2"]
    reporters = {
        "housing": people["clerk_housing"],
        "market": people["clerk_market"],
        "urban-management": people["clerk_urban"],
    }
    now = timezone.now()

    def at(moment):
        return time_machine.travel(min(moment, now), tick=False)

    made = []
    for title, hours_ago, codes, fate in SCENARIOS:
        blown_at = now - datetime.timedelta(hours=hours_ago)
        with at(blown_at - datetime.timedelta(hours=3)):
            case = workflow.submit_case(
                category=category,
                submitter=resident,
                title=title,
                description="居民反映：" + title + "，涉及多个部门，社区无法单独解决。",
                department=departments["fengcai-minzhu"],
            )
            workflow.accept_case(case=case, actor=clerk, note="已受理，街道协调处理。")
        with at(blown_at):
            whistle = services.whistle_blow(
                case=case,
                actor=clerk,
                street=street,
                departments=[departments[code] for code in codes],
                reason="需要相关职能部门到场联合处置：" + title,
                approved_by=secretary,
                approved_at=blown_at - datetime.timedelta(minutes=10),
            )
        summonses = list(whistle.summonses.select_related("department"))
        for index, summons in enumerate(summonses):
            if fate == "blown":
                break
            if fate == "missing" and index == 0:
                continue
            late = fate == "late" and index == 0
            came_at = blown_at + datetime.timedelta(
                minutes=190 if late else 40 + 15 * index
            )
            with at(came_at):
                services.whistle_report(
                    summons=summons,
                    actor=reporters[summons.department.code],
                    task=f"{summons.department}负责现场核查并依职责处置",
                    task_due_at=came_at + datetime.timedelta(days=3),
                )
            if fate == "struck_off":
                with at(came_at + datetime.timedelta(days=1)):
                    services.whistle_task_done(
                        summons=summons, actor=reporters[summons.department.code]
                    )
        if fate in ("reported", "struck_off") and "committee1" in people:
            with at(blown_at + datetime.timedelta(minutes=30)):
                services.whistle_acknowledge_filing(
                    whistle=whistle, actor=people["committee1"]
                )
        if fate == "struck_off":
            with at(blown_at + datetime.timedelta(days=2)):
                workflow.resolve_case(
                    case=case,
                    actor=clerk,
                    outcome=Outcome.SOLVED,
                    reply="经住建、城管部门联合处置，积水问题已解决。",
                )
            with at(blown_at + datetime.timedelta(days=3)):
                workflow.confirm_case(case=case, actor=resident)
            with at(blown_at + datetime.timedelta(days=3, hours=1)):
                services.strike_off_closed_whistles()
        made.append(whistle)
    services.negative_list_scan()
    context["whistles_made"] = len(made)
