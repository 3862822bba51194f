"""Demo grids, their people, and grid events at every level of the
three-level flow (demo only: fixed password, clock moved with time-machine so
that timelines and deadlines are what real use writes)."""

import datetime

import time_machine
from django.utils import timezone

from grid import services
from grid.models import Grid, GridEvent, GridMember
from portal.accounts.demo import DEMO_PASSWORD
from portal.accounts.models import User
from portal.cases import workflow
from portal.cases.models import DeadlinePolicy, ServiceCategory

HOURS_24 = "本区《网格化服务管理工作规范》：网格事件24小时内签收"
DAYS_3 = "本区《网格化服务管理工作规范》：一般事件3个工作日内办结"
DAYS_2 = "本区《网格化服务管理工作规范》：安全隐患2个工作日内办结"

# code, name, summary, handling days, basis, form fields
CATEGORIES = [
    (
        "grid-safety",
        "安全隐患",
        "楼道堆物、消防通道占用、危房等安全隐患。",
        2,
        DAYS_2,
        [
            {"code": "place", "label": "具体位置", "type": "text", "required": True},
            {
                "code": "severity",
                "label": "紧急程度",
                "type": "choice",
                "choices": ["一般", "紧急"],
            },
        ],
    ),
    ("grid-environment", "环境卫生", "垃圾堆积、污水外溢、乱贴乱画等。", 3, DAYS_3, []),
    (
        "grid-facility",
        "公共设施损坏",
        "路灯、井盖、健身器材等公共设施损坏。",
        3,
        DAYS_3,
        [],
    ),
    ("grid-dispute", "矛盾纠纷", "邻里、物业等矛盾纠纷的排查与化解。", 3, DAYS_3, []),
]


def _square(lat, lng, size=0.004):
    ring = [
        [lng, lat],
        [lng + size, lat],
        [lng + size, lat + size],
        [lng, lat + size],
        [lng, lat],
    ]
    return {"type": "Polygon", "coordinates": [ring]}


# code, name, community, south-west corner
GRIDS = [
    ("fengcai-minzhu-01", "民主社区第一网格", "fengcai-minzhu", (34.2700, 117.1800)),
    ("fengcai-minzhu-02", "民主社区第二网格", "fengcai-minzhu", (34.2700, 117.1840)),
    (
        "fengcai-xiangyang-01",
        "向阳社区第一网格",
        "fengcai-xiangyang",
        (34.2740, 117.1800),
    ),
    ("pailou-huangjin-01", "黄金社区第一网格", "pailou-huangjin", (34.2800, 117.1900)),
    ("pailou-tongxin-01", "同心社区第一网格", "pailou-tongxin", (34.2840, 117.1900)),
]

# username, real name, grid, role
MEMBERS = [
    ("gridworker1", "赵磊", "fengcai-minzhu-01", GridMember.Role.WORKER),
    ("gridhead1", "钱坤", "fengcai-minzhu-01", GridMember.Role.HEAD),
    ("informant1", "孙倩", "fengcai-minzhu-01", GridMember.Role.INFORMANT),
    ("gridworker2", "李娟", "fengcai-minzhu-02", GridMember.Role.WORKER),
    ("gridworker3", "周斌", "fengcai-xiangyang-01", GridMember.Role.WORKER),
    ("gridworker4", "吴涛", "pailou-huangjin-01", GridMember.Role.WORKER),
    ("gridworker5", "郑敏", "pailou-tongxin-01", GridMember.Role.WORKER),
]


def load_categories(departments) -> dict[str, ServiceCategory]:
    categories = {}
    for order, (code, name, summary, days, basis, fields) in enumerate(CATEGORIES):
        category, created = ServiceCategory.objects.get_or_create(
            code=code,
            defaults={
                "name": name,
                "topic": "网格事件",
                "case_kind": "grid_event",
                "department": departments["command-centre"],
                "summary": summary,
                "materials": "现场照片\n事件位置",
                "legal_basis": "《江苏省城乡网格化服务管理办法》",
                "form_fields": fields,
                "sort_order": 500 + order,
            },
        )
        if created:
            DeadlinePolicy.objects.create(
                category=category,
                stage="acceptance",
                amount=24,
                unit="hours",
                legal_basis=HOURS_24,
            )
            DeadlinePolicy.objects.create(
                category=category,
                stage="handling",
                amount=days,
                unit="working_days",
                legal_basis=basis,
            )
        categories[code] = category
    return categories


def load_grids(departments, people) -> dict[str, Grid]:
    grids = {}
    for code, name, community, (lat, lng) in GRIDS:
        grids[code], _created = services.grid_save(
            actor=None,
            community=departments[community],
            code=code,
            name=name,
            boundary=_square(lat, lng),
            centre=(round(lat + 0.002, 6), round(lng + 0.002, 6)),
        )
    for username, real_name, grid, role in MEMBERS:
        user = people.get(username) or User.objects.filter(username=username).first()
        if user is None:
            user = User(username=username, real_name=real_name)
            user.set_password(DEMO_PASSWORD)
            user.save()
        services.grid_member_add(actor=None, grid=grids[grid], user=user, role=role)
        people[username] = user
    return grids


def _at(moment):
    return time_machine.travel(moment, tick=False)


def load_events(*, departments, people, grids, categories, now=None) -> int:
    """A dozen events, one or more at every step of the three-level flow."""
    if GridEvent.objects.exists():
        return 0
    now = now or timezone.now()
    d = departments
    worker, head, informant = (
        people["gridworker1"],
        people["gridhead1"],
        people["informant1"],
    )
    street, centre = people["clerk_fengcai"], people["clerk_command"]
    housing, urban, market = (
        people["clerk_housing"],
        people["clerk_urban"],
        people["clerk_market"],
    )
    grid = grids["fengcai-minzhu-01"]
    corner = (34.2720, 117.1820)

    def report(
        days_ago, description, category="grid-safety", who=worker, where=grid, key=""
    ):
        filed = now - datetime.timedelta(days=days_ago)
        extra = {"place": "3号楼"} if category == "grid-safety" else {}
        with _at(filed):
            event, _created = services.event_report(
                reporter=who,
                grid=where,
                category=categories[category],
                description=description,
                latitude=corner[0],
                longitude=corner[1],
                address="丰财街道民主社区" + description[:4],
                details=extra,
                idempotency_key=key,
            )
        return event.case, filed

    def step(moment, call, **kwargs):
        with _at(min(moment, now - datetime.timedelta(minutes=5))):
            call(**kwargs)

    hour = datetime.timedelta(hours=1)

    # 1. waiting at the community, fresh (blue)
    report(0.1, "5号楼楼道堆放大量纸箱，堵塞消防通道。", key="demo-1")
    # 2. waiting at the community for three days: overdue (red)
    report(
        3, "小区北门井盖松动，夜间有安全隐患。", category="grid-facility", who=informant
    )
    # 3. accepted at the community
    case, at = report(1, "垃圾分类亭满溢，周边异味明显。", category="grid-environment")
    step(
        at + 2 * hour,
        workflow.accept_case,
        case=case,
        actor=head,
        note="已联系保洁公司。",
    )
    # 4. handled and replied by the community itself
    case, at = report(2, "健身器材螺丝脱落。", category="grid-facility")
    step(
        at + 3 * hour,
        services.event_close,
        case=case,
        actor=head,
        reply="已现场紧固，器材恢复使用。",
    )
    # 5. ...and confirmed by the reporter: closed
    case, at = report(6, "楼道乱贴小广告。", category="grid-environment")
    step(
        at + 3 * hour,
        services.event_close,
        case=case,
        actor=worker,
        reply="已清除小广告。",
    )
    step(at + 5 * hour, workflow.confirm_case, case=case, actor=worker)
    # 6. passed up to the street, waiting there
    case, at = report(
        1.5, "两户居民因漏水纠纷多次争吵，社区调解未果。", category="grid-dispute"
    )
    step(
        at + hour,
        services.event_pass_up,
        case=case,
        actor=head,
        reason="社区调解未果，需街道司法所介入。",
    )
    # 7. the street accepted it
    case, at = report(
        2.5,
        "沿街商铺占道经营。",
        category="grid-environment",
        who=people["gridworker2"],
        where=grids["fengcai-minzhu-02"],
    )
    step(
        at + hour,
        services.event_pass_up,
        case=case,
        actor=people["gridworker2"],
        reason="涉及多家商铺，社区无执法权。",
    )
    step(
        at + 4 * hour,
        workflow.accept_case,
        case=case,
        actor=street,
        note="街道综合执法队处理。",
    )
    # 8. the street handled and replied
    case, at = report(
        4,
        "向阳社区路灯成片不亮。",
        category="grid-facility",
        who=people["gridworker3"],
        where=grids["fengcai-xiangyang-01"],
    )
    step(
        at + hour,
        services.event_pass_up,
        case=case,
        actor=people["gridworker3"],
        reason="需街道协调供电部门。",
    )
    step(
        at + 6 * hour,
        services.event_close,
        case=case,
        actor=street,
        reply="已协调维修，路灯恢复。",
    )
    # 9. the street assigned it to a department
    case, at = report(2, "老旧楼房外墙瓷砖脱落。", category="grid-safety")
    step(
        at + hour,
        services.event_pass_up,
        case=case,
        actor=worker,
        reason="房屋安全需住建部门鉴定。",
    )
    step(
        at + 3 * hour,
        services.event_assign_department,
        case=case,
        actor=street,
        department=d["housing"],
        reason="属房屋安全管理职责。",
    )
    # 10. ...and the department accepted it
    case, at = report(5, "单元门禁损坏，外来人员随意进出。", category="grid-safety")
    step(
        at + hour,
        services.event_pass_up,
        case=case,
        actor=worker,
        reason="物业拒不维修。",
    )
    step(
        at + 2 * hour,
        services.event_assign_department,
        case=case,
        actor=street,
        department=d["housing"],
        reason="督促物业履行维修义务。",
    )
    step(
        at + 6 * hour,
        workflow.accept_case,
        case=case,
        actor=housing,
        note="已约谈物业。",
    )
    # 11. passed to the district command centre, waiting there
    case, at = report(1, "河道边违建棚屋与垃圾堆放并存。", category="grid-environment")
    step(
        at + hour,
        services.event_pass_up,
        case=case,
        actor=worker,
        reason="跨部门问题。",
    )
    step(
        at + 3 * hour,
        services.event_pass_up,
        case=case,
        actor=street,
        reason="涉及城管、住建，需区级统筹。",
    )
    # 12-14. the command centre named a lead and helpers: waiting, accepted, replied
    for days, fate in ((2, "dispatched"), (4, "accepted"), (8, "resolved")):
        case, at = report(
            days, "小区周边夜市占道经营、油烟扰民。", category="grid-dispute"
        )
        step(
            at + hour,
            services.event_pass_up,
            case=case,
            actor=head,
            reason="社区无法处理。",
        )
        step(
            at + 2 * hour,
            services.event_pass_up,
            case=case,
            actor=street,
            reason="涉及多个部门。",
        )
        step(
            at + 4 * hour,
            services.event_dispatch,
            case=case,
            actor=centre,
            lead=d["urban-management"],
            helpers=[d["market"], d["housing"]],
            reason="城管牵头，市场监管、住建配合。",
            note="三个工作日内办结。",
        )
        if fate == "dispatched":
            continue
        step(
            at + 8 * hour,
            workflow.accept_case,
            case=case,
            actor=urban,
            note="已受理，联合执法。",
        )
        step(
            at + 10 * hour,
            services.event_note_add,
            case=case,
            actor=market,
            text="已检查摊贩食品经营资质。",
        )
        if fate == "resolved":
            step(
                at + 30 * hour,
                services.event_close,
                case=case,
                actor=urban,
                reply="已规范夜市经营区域，油烟净化设施已安装。",
            )
    # 15. in another street's grid
    report(
        0.5,
        "同心社区楼顶违规搭建。",
        category="grid-safety",
        who=people["gridworker5"],
        where=grids["pailou-tongxin-01"],
    )
    return GridEvent.objects.count()


def load(context: dict) -> None:
    """Demo loader entry point (settings.DEMO_LOADERS)."""
    departments, people = context["departments"], context["people"]
    categories = load_categories(departments)
    grids = load_grids(departments, people)
    context["grid_events_made"] = load_events(
        departments=departments, people=people, grids=grids, categories=categories
    )
