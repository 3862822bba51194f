"""Words the bench district is made of: its units, its kinds of matters and
the titles residents give them. Plain Chinese text without tabs, newlines or
backslashes, so that it goes into COPY's text format as it is.

The real categories of portal.cases.demo.CATALOGUE come first; the rest are
composed from topics, so that a two-character word (漏水, 噪声, 路灯, 欠薪)
finds thousands of cases at a million.
"""

STREETS = [
    "丰财",
    "牌楼",
    "黄楼",
    "铜沿湖",
    "琵琶",
    "九里",
    "环城",
    "大庙",
    "天成",
    "坝山",
    "九龙湖",
    "苏山",
]

COMMUNITY_WORDS = [
    "民主",
    "向阳",
    "黄金",
    "同心",
    "和平",
    "幸福",
    "光明",
    "建设",
    "团结",
    "友谊",
    "新华",
    "东风",
    "胜利",
    "朝阳",
    "长安",
    "兴隆",
    "富民",
    "春晖",
    "锦绣",
    "桃园",
    "丰收",
    "金山",
    "银河",
    "滨湖",
    "翠竹",
    "紫薇",
    "育才",
    "文昌",
    "永安",
    "平安",
    "盛世",
    "华联",
    "振兴",
    "广场",
    "学苑",
    "绿地",
]

# Functional departments: code suffix, name, topic keys (see TOPICS).
FUNCTIONAL = [
    ("urban", "区城市管理局", ["urban", "noise"]),
    ("housing", "区住房和城乡建设局", ["housing"]),
    ("market", "区市场监督管理局", ["market", "food"]),
    ("police", "区公安分局", ["police"]),
    ("hrss", "区人力资源和社会保障局", ["labour"]),
    ("ecology", "区生态环境分局", ["environment", "noise"]),
    ("transport", "区交通运输局", ["traffic"]),
    ("water", "区水务局", ["utilities"]),
    ("civil-affairs", "区民政局", ["welfare"]),
    ("education", "区教育局", ["education"]),
    ("health", "区卫生健康委员会", ["health"]),
    ("justice", "区司法局", ["legal"]),
    ("petitions", "区信访局", ["petition"]),
    ("natural-resources", "区自然资源和规划分局", ["planning"]),
    ("gardens", "区园林绿化局", ["greenery"]),
    ("commerce", "区商务局", ["market"]),
    ("culture", "区文化体育和旅游局", ["culture"]),
    ("emergency", "区应急管理局", ["safety"]),
    ("veterans", "区退役军人事务局", ["welfare"]),
    ("medical-insurance", "区医疗保障局", ["health"]),
    ("agriculture", "区农业农村局", ["rural"]),
    ("statistics", "区统计局", ["general"]),
    ("finance", "区财政局", ["general"]),
    ("tax", "区税务局", ["general"]),
    ("fire", "区消防救援大队", ["safety"]),
    ("power", "区供电公司", ["utilities"]),
    ("gas", "区燃气公司", ["utilities"]),
    ("heating", "区热力公司", ["utilities"]),
    ("post", "区邮政管理局", ["general"]),
    ("telecom", "区通信管理办公室", ["general"]),
    ("women", "区妇女联合会", ["welfare"]),
    ("disabled", "区残疾人联合会", ["welfare"]),
    ("youth", "共青团区委", ["general"]),
    ("federation", "区总工会", ["labour"]),
    ("archives", "区档案馆", ["general"]),
    ("government-service", "区政务服务管理办公室", ["general"]),
    ("development", "区发展和改革委员会", ["general"]),
    ("industry", "区工业和信息化局", ["general"]),
    ("science", "区科学技术局", ["general"]),
    ("audit", "区审计局", ["general"]),
    ("ethnic", "区民族宗教事务局", ["general"]),
    ("sports", "区体育中心", ["culture"]),
    ("library", "区图书馆", ["culture"]),
    ("hospital", "区人民医院", ["health"]),
    ("court", "区人民法院诉讼服务中心", ["legal"]),
]

# Stations under a functional department: parent suffix, name pattern, count.
STATIONS = [
    ("police", "{street}派出所", 12),
    ("market", "{street}市场监督管理所", 12),
    ("justice", "{street}司法所", 12),
    ("urban", "城管执法{n}中队", 4),
]

PLACES = [
    "3号楼",
    "5号楼2单元",
    "小区东门",
    "小区北门",
    "菜市场门口",
    "学校门口",
    "公交站台旁",
    "中山北路",
    "解放路",
    "建国路口",
    "人民广场",
    "地下车库",
    "12号楼楼道",
    "幼儿园附近",
    "医院东侧",
    "老旧小区",
    "沿街商铺",
    "农贸市场",
    "商业街",
    "河道边",
    "公园南门",
    "地铁站出口",
    "十字路口",
    "小区花园",
    "楼顶",
    "单元门口",
    "物业办公室旁",
    "健身广场",
    "社区卫生服务站旁",
    "工地",
]

# topic key: (topic name, issues). An issue is a short phrase ending the title.
TOPICS = {
    "urban": (
        "城市管理",
        [
            "占道经营",
            "违章搭建",
            "渣土车抛洒",
            "户外广告牌松动",
            "共享单车乱停",
            "垃圾清运不及时",
            "井盖破损",
            "路灯不亮",
            "绿化带被毁",
            "摊贩夜间经营",
        ],
    ),
    "noise": (
        "噪声扰民",
        [
            "夜间施工噪声扰民",
            "广场舞噪声过大",
            "商铺音响噪声",
            "KTV深夜噪声",
            "空调外机噪声",
            "装修噪声扰民",
        ],
    ),
    "housing": (
        "住房物业",
        [
            "楼道天花板漏水",
            "外墙渗水",
            "顶楼漏水",
            "电梯长期停运",
            "物业擅自涨价",
            "维修资金使用不透明",
            "外墙瓷砖脱落",
            "楼道堆放杂物",
            "消防通道被占",
            "二次供水水质差",
        ],
    ),
    "market": (
        "市场监管",
        [
            "网购商品无法退货",
            "健身房倒闭拒不退费",
            "价格与标价不符",
            "预付卡无法退费",
            "虚假宣传",
            "缺斤短两",
        ],
    ),
    "food": (
        "食品安全",
        [
            "餐馆使用过期原料",
            "无证经营食品",
            "散装食品无标签",
            "后厨卫生差",
            "外卖食品变质",
        ],
    ),
    "police": (
        "公安户政",
        [
            "申请开具户籍证明",
            "居住证办理咨询",
            "治安隐患",
            "电动车被盗",
            "无犯罪记录证明",
            "车辆乱停堵塞通道",
        ],
    ),
    "labour": (
        "劳动就业",
        [
            "拖欠工资",
            "欠薪三个月",
            "未缴纳社会保险",
            "拒签劳动合同",
            "违法解除劳动合同",
            "工伤认定",
        ],
    ),
    "environment": (
        "生态环境",
        [
            "餐饮油烟扰民",
            "污水直排",
            "工厂异味",
            "露天焚烧垃圾",
            "河道漂浮物",
        ],
    ),
    "traffic": (
        "交通出行",
        [
            "信号灯故障",
            "公交站台破损",
            "道路坑洼",
            "停车难",
            "公交线路调整",
            "人行道被占",
        ],
    ),
    "utilities": (
        "水电气暖",
        [
            "停水",
            "水压低",
            "燃气泄漏隐患",
            "暖气不热",
            "频繁停电",
            "水管爆裂漏水",
        ],
    ),
    "welfare": (
        "社会救助",
        [
            "申请最低生活保障",
            "养老服务补贴",
            "残疾人补贴",
            "临时救助申请",
            "高龄津贴",
        ],
    ),
    "education": (
        "教育",
        [
            "子女入学",
            "校外培训机构退费",
            "校车安全",
            "学校周边交通拥堵",
        ],
    ),
    "health": (
        "卫生健康",
        [
            "医疗服务态度差",
            "疫苗接种预约",
            "医保报销",
            "诊所无证行医",
        ],
    ),
    "legal": (
        "法律服务",
        [
            "申请法律援助",
            "追索劳动报酬",
            "交通事故赔偿",
            "民间借贷纠纷",
            "房屋租赁合同纠纷",
            "人民调解申请",
        ],
    ),
    "petition": (
        "信访",
        [
            "反映违章建筑长期未处理",
            "对征收补偿标准有异议",
            "反映办事推诿",
        ],
    ),
    "planning": (
        "规划国土",
        [
            "违法占地",
            "规划公示异议",
            "不动产登记",
        ],
    ),
    "greenery": (
        "园林绿化",
        [
            "树木倒伏",
            "树枝遮挡路灯",
            "绿地被占",
            "公园设施损坏",
        ],
    ),
    "culture": (
        "文体旅游",
        [
            "健身器材损坏",
            "演出噪声",
            "网吧接纳未成年人",
            "景区乱收费",
        ],
    ),
    "safety": (
        "安全生产",
        [
            "消防设施损坏",
            "电动车楼道充电",
            "燃气瓶违规存放",
            "高空坠物隐患",
        ],
    ),
    "rural": (
        "农业农村",
        [
            "农田灌溉",
            "宅基地纠纷",
            "农资质量",
        ],
    ),
    "general": (
        "综合事务",
        [
            "政策咨询",
            "办事流程咨询",
            "工作人员态度",
            "材料要求不明确",
        ],
    ),
    "community": (
        "社区事务",
        [
            "路灯不亮",
            "楼道堆放杂物",
            "邻居饲养犬只扰民",
            "小区垃圾分类",
            "高空抛物",
            "楼道声控灯损坏",
            "下水道堵塞",
            "车棚漏雨",
            "邻里纠纷",
            "流浪猫狗",
            "单元门禁损坏",
        ],
    ),
}

DETAILS = [
    "已经持续一段时间，多次向物业反映未果",
    "影响周边居民正常生活",
    "老人和孩子出行存在安全隐患",
    "附近居民意见很大",
    "此前打过热线电话，尚未解决",
    "情况比较紧急",
    "希望有关部门尽快到现场查看",
    "已拍摄照片留存",
    "晚上尤其严重",
    "雨天情况更加明显",
]

REPLIES = {
    "solved": "经现场核查，问题属实，已协调有关单位处理完毕，感谢您的反映。",
    "explained": "经核查，该事项依法不属于违法情形，已向您电话解释相关规定。",
    "not_our_remit": "经核实，该事项不属于本单位职责范围，请向有关主管部门反映。",
    "duplicate": "该事项与您此前反映的事项相同，已合并办理。",
    "unreasonable": "经核查，诉求缺乏依据，经负责人确认不予支持。",
}
BASIS = "《中华人民共和国行政许可法》第三十条"
REDIRECT = "区12345政务服务便民热线"

RATING_COMMENTS = [
    "",
    "",
    "",
    "处理及时，满意",
    "态度很好",
    "速度有点慢",
    "问题没有根本解决",
]

SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹"
    "彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金"
    "石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵"
    "万钱严覃武戴莫孔向汤"
)
GIVEN = (
    "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀英霞平刚桂兰华玉萍红梅鑫"
    "斌宇浩凯健俊帆帅旭宁亮建国建华志强海燕晓东小红秀兰丽华文博子"
    "涵雨轩浩然欣怡梓萱"
)

MATERIAL_ITEMS = ["现场照片", "房屋产权证明", "身份证复印件", "相关票据", "情况说明"]
