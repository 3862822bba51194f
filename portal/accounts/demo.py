"""The demo district's departments and people (demo only: fixed password)."""

from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice

from portal.accounts import services
from portal.accounts.second_factor import backup_codes_create
from portal.accounts.models import Department, User
from portal.accounts.validators import resident_id_check_char

DEMO_PASSWORD = "yiwang-demo-2026"
# Demo only: the one backup code printed beside each staff login is stored
# this many times, so that it lets a newcomer through the second factor this
# many times (a real backup code works once). `make run` prints new ones.
DEMO_BACKUP_CODE_USES = 20

DEPARTMENTS = [
    # code, name, kind, parent code
    ("gulou", "鼓楼区", Department.Kind.DISTRICT, None),
    ("command-centre", "鼓楼区社会治理综合指挥中心", Department.Kind.COMMAND_CENTRE, "gulou"),
    ("committee", "中共鼓楼区委政法委员会", Department.Kind.COMMITTEE, "gulou"),
    ("fengcai", "丰财街道", Department.Kind.STREET, "gulou"),
    ("pailou", "牌楼街道", Department.Kind.STREET, "gulou"),
    ("fengcai-minzhu", "丰财街道民主社区", Department.Kind.COMMUNITY, "fengcai"),
    ("fengcai-xiangyang", "丰财街道向阳社区", Department.Kind.COMMUNITY, "fengcai"),
    ("pailou-huangjin", "牌楼街道黄金社区", Department.Kind.COMMUNITY, "pailou"),
    ("pailou-tongxin", "牌楼街道同心社区", Department.Kind.COMMUNITY, "pailou"),
    ("housing", "鼓楼区住房和城乡建设局", Department.Kind.FUNCTIONAL, "gulou"),
    ("market", "鼓楼区市场监督管理局", Department.Kind.FUNCTIONAL, "gulou"),
    ("hrss", "鼓楼区人力资源和社会保障局", Department.Kind.FUNCTIONAL, "gulou"),
    ("civil-affairs", "鼓楼区民政局", Department.Kind.FUNCTIONAL, "gulou"),
    ("justice", "鼓楼区司法局（法律援助中心）", Department.Kind.FUNCTIONAL, "gulou"),
    ("petitions", "鼓楼区信访局", Department.Kind.FUNCTIONAL, "gulou"),
    ("police-hukou", "鼓楼公安分局户政科", Department.Kind.FUNCTIONAL, "gulou"),
    ("court", "鼓楼区人民法院诉讼服务中心", Department.Kind.FUNCTIONAL, None),
    ("urban-management", "鼓楼区城市管理局", Department.Kind.FUNCTIONAL, "gulou"),
]

PHONES = {"housing": "0516-83700001", "market": "0516-12315", "justice": "0516-12348"}

# username, real name, role, department code (None: resident)
PEOPLE = [
    ("resident1", "王秀英", "resident", None),
    ("resident2", "李建国", "resident", None),
    ("clerk_housing", "张伟", "clerk", "housing"),
    ("clerk_market", "刘洋", "clerk", "market"),
    ("leader_housing", "陈静", "leader", "housing"),
    ("gridworker1", "赵磊", "clerk", "fengcai-minzhu"),
    ("proxy1", "孙丽", "resident", None),
    ("committee1", "周明", "committee", None),
    ("auditor1", "郭审", "auditor", None),
    ("admin", "系统管理员", "admin", None),
]

EXTRA_STAFF = [
    ("clerk_hrss", "吴敏", "clerk", "hrss"),
    ("clerk_civil", "郑芳", "clerk", "civil-affairs"),
    ("clerk_justice", "冯涛", "clerk", "justice"),
    ("clerk_petitions", "何强", "clerk", "petitions"),
    ("clerk_hukou", "许娜", "clerk", "police-hukou"),
    ("clerk_court", "韩磊", "clerk", "court"),
    ("clerk_urban", "曹军", "clerk", "urban-management"),
    ("clerk_fengcai", "彭燕", "clerk", "fengcai"),
    ("clerk_pailou", "吕斌", "clerk", "pailou"),
    ("clerk_command", "蒋涛", "clerk", "command-centre"),
]

RESIDENT_NAMES = "杨帆 黄磊 林娜 徐静 马超 朱红 胡斌 郭敏 何丽 高翔 罗琳 梁宇 宋佳 唐亮 韩雪 冯娟 邓伟 曹颖 彭刚 曾丽".split()


def demo_resident_id(index: int) -> str:
    first17 = f"320302{1950 + index % 50:04d}{1 + index % 12:02d}{1 + index % 28:02d}{index % 1000:03d}"
    return first17 + resident_id_check_char(first17)


def _user(username, real_name, *, index, resident=True, **extra):
    user, created = User.objects.get_or_create(
        username=username,
        defaults={
            "real_name": real_name,
            "mobile": f"139{index:08d}" if resident else None,
            "mobile_verified": resident,
            "resident_id": demo_resident_id(index) if resident else None,
            **extra,
        },
    )
    if created:
        user.set_password(DEMO_PASSWORD)
        user.save()
    return user


def load(context: dict) -> None:
    """Create the demo departments and people into context, by code/username."""
    departments = {}
    for code, name, kind, parent in DEPARTMENTS:
        department = Department.objects.filter(code=code).first()
        if department is None:
            department = services.department_create(
                name=name,
                code=code,
                kind=kind,
                parent=departments.get(parent),
                phone=PHONES.get(code, "0516-12345"),
                address="江苏省徐州市鼓楼区中山北路1号",
            )
        departments[code] = department
    people = {}
    for index, (username, real_name, role, department_code) in enumerate(PEOPLE + EXTRA_STAFF, 1):
        if role == "admin":
            user = _user(username, real_name, index=index, resident=False, is_staff=True, is_superuser=True)
        elif role == "auditor":
            # Joins the auditors' group in portal.audit.demo.
            user = _user(username, real_name, index=index, resident=False, is_staff=True)
        else:
            user = _user(username, real_name, index=index, resident=role == "resident")
        if role in ("clerk", "leader"):
            services.staff_member_add(user=user, department=departments[department_code], role=role)
        elif role == "committee":
            services.committee_member_add(user=user)
        people[username] = user
    if "leader_housing" in people:
        # The leader handles cases too.
        services.staff_member_add(
            user=people["leader_housing"], department=departments["housing"], role="leader"
        )
    for offset, name in enumerate(RESIDENT_NAMES, start=100):
        people[f"demo{offset}"] = _user(f"demo{offset}", name, index=offset)
    context["departments"] = departments
    context["people"] = people


def prepare_staff_logins(usernames) -> dict[str, str]:
    """Run by load_demo after every loader: the demo staff's passwords are
    fresh (issue 7's 90 days never run out in the demo), each has an
    authenticator device and a new backup code. Returns the codes by
    username."""
    staff = list(User.objects.filter(username__in=set(usernames), is_staff=True))
    User.objects.filter(pk__in=[user.pk for user in staff]).update(
        password_changed_at=timezone.now()
    )
    return {user.username: demo_second_factor(user) for user in staff}


def demo_second_factor(user) -> str:
    """Give a demo staff member an authenticator device (once) and a new
    backup code (each run); return the code."""
    if not TOTPDevice.objects.filter(user=user, confirmed=True).exists():
        TOTPDevice.objects.create(user=user, name="demo", confirmed=True)
    (code,) = backup_codes_create(user=user, count=1, uses=DEMO_BACKUP_CODE_USES)
    return code


LOGINS = [
    ("resident1", "resident (居民)"),
    ("resident2", "resident (居民)"),
    ("clerk_housing", "clerk, housing bureau (住建局工作人员)"),
    ("clerk_market", "clerk, market regulation (市场监管局工作人员)"),
    ("leader_housing", "leader, housing bureau (住建局负责人)"),
    ("gridworker1", "grid worker, Minzhu community (网格员)"),
    ("proxy1", "petition proxy agent (信访代理员)"),
    ("committee1", "committee, read-only (政法委)"),
    ("auditor1", "auditor, reads the security audit log (审计管理员)"),
    ("admin", "superuser (系统管理员)"),
]
