"""Demo service catalogue and a few hundred cases in every status and colour.

Cases are made through the workflow, at the moments they would have happened
(the clock is moved with time-machine, demo only), so timelines, history rows
and deadlines are exactly what real use writes.
"""

import datetime
import random

import time_machine
from django.utils import timezone

from portal.cases import workflow
from portal.cases.models import Case, DeadlinePolicy, Outcome, ServiceCategory

CPL_PERIODS = "《中华人民共和国民事诉讼法》第八十五条（期间开始之日不计算在内，届满日为法定休假日的顺延）"

# code, name, topic, department, summary, materials, legal basis, fee,
# [(stage, amount, unit, basis, extension, extension basis)], form fields, titles
CATALOGUE = [
    (
        "hukou-certificate", "户籍证明", "证照证明", "police-hukou",
        "为本区户籍居民开具户籍登记情况证明。",
        "居民身份证\n居民户口簿\n用途说明（如用于入学、公证）",
        "《中华人民共和国户口登记条例》；公安部《关于规范户籍证明开具工作的通知》",
        "不收费",
        [("acceptance", 1, "working_days", "本区政务服务事项承诺时限：1个工作日内受理", 0, ""),
         ("handling", 3, "working_days", "本区政务服务事项承诺时限：受理后3个工作日内出具", 0, "")],
        [{"code": "purpose", "label": "证明用途", "type": "choice", "required": True,
          "choices": ["子女入学", "公证", "出国（境）", "其他"]}],
        ["申请开具户籍证明（子女入学）", "申请开具户籍证明（公证用）"],
    ),
    (
        "no-crime-record", "无犯罪记录证明", "证照证明", "police-hukou",
        "为本区户籍或居住证持有人出具有无犯罪记录的证明。",
        "居民身份证\n用途说明",
        "公安部《关于印发〈公安机关办理犯罪记录查询工作规定〉的通知》",
        "不收费",
        [("handling", 3, "working_days", "《公安机关办理犯罪记录查询工作规定》第九条：3个工作日内出具", 0, "")],
        [],
        ["申请无犯罪记录证明（入职）"],
    ),
    (
        "housing-leak", "房屋漏水维修诉求", "住房物业", "housing",
        "公共部位漏水、外墙渗水等维修诉求，由住建部门督促物业或维修资金使用。",
        "现场照片\n房屋地址",
        "《物业管理条例》第五十五条、第五十六条",
        "不收费",
        [("acceptance", 1, "working_days", "本区《接诉即办工作规范》：1个工作日内签收", 0, ""),
         ("handling", 15, "working_days", "本区《接诉即办工作规范》：一般诉求15个工作日内办结", 15, "本区《接诉即办工作规范》：情况复杂的经负责人批准可延长15个工作日")],
        [{"code": "address", "label": "房屋地址", "type": "text", "required": True},
         {"code": "floor", "label": "楼层", "type": "integer"}],
        ["3号楼楼道天花板漏水", "外墙渗水导致室内发霉", "顶楼防水层破损漏雨"],
    ),
    (
        "property-dispute", "物业服务纠纷", "住房物业", "housing",
        "物业服务质量、收费等方面的投诉与协调。",
        "物业服务合同（如有）\n相关票据或照片",
        "《物业管理条例》第三十五条、第四十一条",
        "不收费",
        [("acceptance", 1, "working_days", "本区《接诉即办工作规范》：1个工作日内签收", 0, ""),
         ("handling", 15, "working_days", "本区《接诉即办工作规范》：一般诉求15个工作日内办结", 15, "本区《接诉即办工作规范》：情况复杂的经负责人批准可延长15个工作日")],
        [],
        ["物业擅自提高停车费", "小区电梯长期停运无人维修", "物业不按时清运垃圾"],
    ),
    (
        "consumer-complaint", "消费投诉", "市场监管", "market",
        "消费者与经营者之间的消费纠纷投诉，由市场监管部门调解。",
        "购物凭证或发票\n商品或服务问题说明、照片",
        "《市场监督管理投诉举报处理暂行办法》",
        "不收费",
        [("acceptance", 7, "working_days", "《市场监督管理投诉举报处理暂行办法》第十四条：收到投诉之日起七个工作日内作出受理或者不予受理的决定", 0, ""),
         ("handling", 45, "working_days", "《市场监督管理投诉举报处理暂行办法》第二十一条：自投诉受理之日起四十五个工作日内未达成调解协议的终止调解", 0, "")],
        [{"code": "merchant", "label": "被投诉经营者名称", "type": "text", "required": True},
         {"code": "amount", "label": "涉及金额（元）", "type": "integer"}],
        ["网购电器无法退货", "健身房倒闭拒不退费", "餐馆收费与菜单价格不符"],
    ),
    (
        "food-safety-report", "食品安全举报", "市场监管", "market",
        "对食品生产经营违法行为的举报。",
        "违法线索说明\n照片或视频（如有）",
        "《中华人民共和国食品安全法》第一百一十五条；《市场监督管理投诉举报处理暂行办法》第三十一条",
        "不收费",
        [("acceptance", 15, "working_days", "《市场监督管理行政处罚程序规定》第十八条：自收到举报之日起十五个工作日内核查并决定是否立案", 15, "《市场监督管理行政处罚程序规定》第十八条：特殊情况经负责人批准可延长十五个工作日")],
        [],
        ["早餐店使用过期原料", "超市售卖无标签散装食品"],
    ),
    (
        "unpaid-wages", "欠薪投诉", "劳动就业", "hrss",
        "用人单位拖欠工资的投诉，由劳动保障监察处理。",
        "劳动合同或用工证明\n工资欠条、考勤记录等证据",
        "《劳动保障监察条例》；《保障农民工工资支付条例》",
        "不收费",
        [("acceptance", 5, "working_days", "《关于实施〈劳动保障监察条例〉若干规定》第十八条：5个工作日内决定是否受理", 0, ""),
         ("handling", 60, "working_days", "《劳动保障监察条例》第十七条：立案之日起60个工作日内完成", 30, "《劳动保障监察条例》第十七条：情况复杂的经批准可延长30个工作日")],
        [{"code": "employer", "label": "用人单位", "type": "text", "required": True},
         {"code": "months", "label": "拖欠月数", "type": "integer", "required": True}],
        ["工地拖欠三个月工资", "餐饮店拖欠离职员工工资"],
    ),
    (
        "minimum-living", "最低生活保障申请", "社会救助", "civil-affairs",
        "家庭人均收入低于当地最低生活保障标准的申请。",
        "户口簿、身份证\n家庭收入与财产申报\n授权核对家庭经济状况声明",
        "《社会救助暂行办法》第十一条；《最低生活保障审核确认办法》第十九条",
        "不收费",
        [("handling", 30, "working_days", "《最低生活保障审核确认办法》第十九条：自受理之日起30个工作日内完成审核确认", 15, "《最低生活保障审核确认办法》第十九条：特殊情况可延长至45个工作日")],
        [{"code": "household_size", "label": "家庭人口数", "type": "integer", "required": True}],
        ["申请最低生活保障"],
    ),
    (
        "legal-aid", "法律援助申请", "法律服务", "justice",
        "经济困难公民和符合法定条件的其他当事人申请法律援助。",
        "身份证\n经济困难状况说明表（特定群体免于审查）\n与所申请事项有关的材料",
        "《中华人民共和国法律援助法》第四十一条、第四十二条、第四十三条",
        "不收费",
        [("acceptance", 7, "calendar_days", "《中华人民共和国法律援助法》第四十三条：自收到申请之日起七日内审查并作出决定；" + CPL_PERIODS, 0, "")],
        [{"code": "group", "label": "申请人类别", "type": "choice", "required": True,
          "choices": ["一般申请人", "未成年人", "无固定生活来源的老年人、残疾人", "社会救助对象", "追索劳动报酬的农民工"]}],
        ["追索劳动报酬申请法律援助", "交通事故赔偿申请法律援助"],
    ),
    (
        "petition", "信访事项", "信访", "petitions",
        "对行政机关及其工作人员的工作提出建议、意见或投诉请求。",
        "信访事项说明\n相关证据材料",
        "《信访工作条例》（2022年）第二十四条、第三十五条、第三十六条、第三十七条",
        "不收费",
        [("acceptance", 15, "calendar_days", "《信访工作条例》第二十四条：自收到之日起15日内决定是否受理并书面告知；" + CPL_PERIODS, 0, ""),
         ("handling", 60, "calendar_days", "《信访工作条例》第三十五条：自受理之日起60日内办结", 30, "《信访工作条例》第三十五条：情况复杂的经本机关负责人批准可延长，延长不超过30日")],
        [],
        ["反映小区周边违章建筑长期未处理", "对征收补偿标准有异议"],
    ),
    (
        "court-filing", "网上立案", "法律服务", "court",
        "民事起诉的网上登记立案。",
        "起诉状\n原告身份证明\n证据材料",
        "《中华人民共和国民事诉讼法》第一百二十六条；《最高人民法院关于人民法院登记立案若干问题的规定》",
        "按《诉讼费用交纳办法》交纳",
        [("acceptance", 7, "calendar_days", "《中华人民共和国民事诉讼法》第一百二十六条：符合起诉条件的应当在七日内立案；" + CPL_PERIODS, 0, "")],
        [{"code": "defendant", "label": "被告", "type": "text", "required": True},
         {"code": "claim", "label": "诉讼请求", "type": "textarea", "required": True}],
        ["民间借贷纠纷起诉", "房屋租赁合同纠纷起诉"],
    ),
    (
        "noise", "噪声扰民", "城市管理", "urban-management",
        "施工、商业经营等噪声扰民问题。",
        "噪声发生地点和时间\n录音或视频（如有）",
        "《中华人民共和国噪声污染防治法》第四十条、第六十四条",
        "不收费",
        [("acceptance", 1, "working_days", "本区《接诉即办工作规范》：1个工作日内签收", 0, ""),
         ("handling", 5, "working_days", "本区《接诉即办工作规范》：紧急诉求5个工作日内办结", 5, "本区《接诉即办工作规范》：经负责人批准可延长5个工作日")],
        [{"code": "place", "label": "噪声地点", "type": "text", "required": True}],
        ["夜间施工噪声扰民", "广场舞音响音量过大", "KTV深夜噪声"],
    ),
    (
        "community-matter", "社区事务诉求", "社区服务", "fengcai-minzhu",
        "小区环境、邻里纠纷等社区可以自行解决的事项。",
        "问题描述\n现场照片（如有）",
        "《中华人民共和国城市居民委员会组织法》第三条",
        "不收费",
        [("acceptance", 1, "working_days", "本区《接诉即办工作规范》：1个工作日内签收", 0, ""),
         ("handling", 10, "working_days", "本区《接诉即办工作规范》：社区事项10个工作日内办结", 0, "")],
        [],
        ["楼道堆放杂物存在消防隐患", "小区路灯不亮", "邻居饲养犬只扰民"],
    ),
]


def load_catalogue(departments) -> list[ServiceCategory]:
    categories = []
    for order, row in enumerate(CATALOGUE):
        code, name, topic, dept, summary, materials, basis, fee, policies, fields, _titles = row
        category, created = ServiceCategory.objects.get_or_create(
            code=code,
            defaults={
                "name": name,
                "topic": topic,
                "department": departments[dept],
                "summary": summary,
                "materials": materials,
                "legal_basis": basis,
                "fee": fee,
                "form_fields": fields,
                "sort_order": order * 10,
            },
        )
        if created:
            for stage, amount, unit, stage_basis, ext, ext_basis in policies:
                DeadlinePolicy.objects.create(
                    category=category,
                    stage=stage,
                    amount=amount,
                    unit=unit,
                    legal_basis=stage_basis,
                    extension_max=ext,
                    extension_basis=ext_basis,
                )
        categories.append(category)
    return categories


def _details_for(category, rng):
    values = {}
    for field in category.form_fields:
        kind = field["type"]
        if kind == "choice":
            values[field["code"]] = rng.choice(field["choices"])
        elif kind == "integer":
            values[field["code"]] = str(rng.randint(1, 12))
        elif kind == "date":
            values[field["code"]] = "2026-06-01"
        elif kind == "boolean":
            values[field["code"]] = True
        else:
            values[field["code"]] = rng.choice(["丰财街道民主社区3号楼", "中山北路88号", "某某商贸有限公司"])
    return values


def _handler(case, people_by_department):
    return people_by_department[case.department.code]


def load_cases(*, departments, people, count=300, seed=2026) -> int:
    """File `count` cases over the last five months and move each through the
    workflow to a status, so every status and colour shows."""
    if Case.objects.exists():
        return 0
    rng = random.Random(seed)
    categories = load_catalogue(departments)
    residents = [user for name, user in people.items() if name.startswith(("resident", "demo"))]
    staff = {}
    for user in people.values():
        for membership in user.memberships.select_related("department"):
            staff.setdefault(membership.department.code, user)
    leader = people["leader_housing"]
    now = timezone.now()
    made = 0
    for index in range(count):
        category = rng.choice(categories)
        row = next(row for row in CATALOGUE if row[0] == category.code)
        applicant = people["resident1"] if index % 10 == 0 else rng.choice(residents)
        age_days = rng.triangular(0, 150, 10)
        filed_at = now - datetime.timedelta(days=age_days, hours=rng.randint(0, 8))
        filed_at = filed_at.replace(hour=rng.randint(8, 17), minute=rng.randint(0, 59))
        if filed_at > now:
            filed_at = now - datetime.timedelta(minutes=30)
        fate = rng.random()
        step = datetime.timedelta(hours=rng.randint(2, 30))

        def at(moment):
            return time_machine.travel(min(moment, now), tick=False)

        with at(filed_at):
            case = workflow.submit_case(
                category=category,
                submitter=applicant,
                title=rng.choice(row[10]),
                description="居民反映：" + rng.choice(row[10]) + "，希望尽快处理。",
                details=_details_for(category, rng),
            )
        handler = staff.get(case.department.code)
        made += 1
        if handler is None or fate < 0.08:
            continue  # waiting for acceptance
        moment = filed_at + step
        if fate < 0.12:
            with at(moment):
                workflow.request_material(case=case, actor=handler, items=["身份证复印件", "现场照片"])
            continue
        if fate < 0.16:
            with at(moment):
                workflow.decline_case(case=case, actor=handler, reason="不属于本部门受理范围，请向有关部门反映。")
            continue
        if fate < 0.18:
            with at(moment):
                workflow.withdraw_case(case=case, actor=applicant, reason="问题已自行解决")
            continue
        with at(moment):
            workflow.accept_case(case=case, actor=handler, note="已受理，正在办理。")
        if fate < 0.40 and case.stage_due_at and case.stage_due_at > now - datetime.timedelta(days=10):
            if fate < 0.22 and case.department.code == "housing":
                with at(moment + step):
                    workflow.extend_deadline(case=case, actor=leader, amount=5, reason="需要组织现场勘验")
            continue  # in handling: blue, yellow, orange or red by its age
        moment = moment + step * rng.randint(2, 8)
        outcome = rng.choices(
            [Outcome.SOLVED, Outcome.EXPLAINED, Outcome.NOT_OUR_REMIT],
            weights=[8, 2, 1],
        )[0]
        with at(moment):
            workflow.resolve_case(
                case=case,
                actor=handler,
                outcome=outcome,
                reply="经现场核实，已督促责任单位处理完毕。" if outcome == Outcome.SOLVED else "经核查，现将有关政策依据答复如下。",
                basis=row[6] if outcome == Outcome.EXPLAINED else "",
                redirect="区人民法院诉讼服务中心" if outcome == Outcome.NOT_OUR_REMIT else "",
            )
        if fate < 0.50:
            continue  # replied, awaiting the applicant
        moment = moment + step
        if fate < 0.55:
            with at(moment):
                workflow.dispute_case(case=case, actor=applicant, reason="问题仍未解决")
            continue
        with at(moment):
            workflow.confirm_case(case=case, actor=applicant)
            if fate < 0.93:
                workflow.rate_case(
                    case=case,
                    actor=applicant,
                    stars=rng.choices([5, 4, 3, 2, 1], weights=[50, 25, 12, 8, 5])[0],
                    comment=rng.choice(["处理及时，满意", "态度很好", "", "速度有点慢"]),
                )
    return made


def load(context: dict) -> None:
    """Demo loader entry point (settings.DEMO_LOADERS)."""
    load_catalogue(context["departments"])
    context["cases_made"] = load_cases(
        departments=context["departments"], people=context["people"]
    )
