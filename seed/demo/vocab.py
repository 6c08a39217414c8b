"""The demo's fixed parameters and word lists: sizes, shares, the demo's year and "today", generic names."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path

from db.queries.baobao import DEFAULT_HIGH_RISK

SEED_DIR = Path(__file__).resolve().parents[1] / "data"
SEED_SUFFIXES = (".xlsx", ".xlsm", ".xls", ".csv")
DEFAULT_SEED = 20221031
DEMO_KEY = "demo_generated"
DEMO_USER = "演示数据"
DISTRICT = "章丘区"
YEAR = 2022
AS_OF = dt.date(2022, 10, 31)
REPORT_START = "2022-05"  # 月报按时上报 from May (金山 2024 三(一)：5月起), applied to the demo year
MONTHS = tuple(range(1, AS_OF.month + 1))
YEAR_START = dt.date(YEAR, 1, 1)

# The office's example sentence, paced in the 任务清单's window 2022-03-01 … 11-30 (章市监管发〔2022〕9号 三(二)):
# "截至10月底，全区完成示范创建98家，完成率77.8%，低于时序进度11.3个百分点" (245/275 days = 89.1%).
DEMO_CREATION = "示范创建"
DEMO_CREATION_TOTAL = 98
VIDEO = "视频监管试点"
UPGRADE = "新升级为食品生产企业"
ITEM_INDICATORS = (DEMO_CREATION, VIDEO)

Progress = Callable[[str], None]

# --- word lists (generic; any likeness to a real name is chance) -------------------------------

SURNAMES = tuple("王李张刘陈杨赵黄周吴徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈")
GIVEN = tuple("华军伟芳敏静丽强磊洋勇艳杰娟涛明超秀霞平刚桂英红玉兰辉鹏建国峰亮")
BRANDS = (
    "鑫源", "福满", "永盛", "德顺", "聚福", "华联", "兴隆", "宏达", "金穗", "泉润", "百福", "佳禾", "盛华", "利民",
    "惠民", "丰泽", "瑞丰", "恒泰", "和顺", "福源", "顺发", "嘉禾", "明泉", "乐家", "万家", "康源", "益民", "旺福",
    "金丰", "天成", "众信", "大成", "裕丰", "家和", "祥瑞", "同福", "安泰", "富民", "诚信", "乐康",
)
WORKSHOP_GOODS = (
    "煎饼", "豆腐", "香油", "馒头", "酱菜", "熏肉", "粉皮", "糕点", "挂面", "烧饼", "驴肉", "酱肉", "芝麻糖", "豆腐皮",
    "粉条", "麻花", "米醋", "酱油", "白酒", "大葱酱",
)
SMALL_EATERY = ("小吃部", "面馆", "快餐", "包子铺", "烧烤店", "水饺馆", "米线店", "早餐店")
RESTAURANT = ("饭店", "酒店", "餐饮店", "快餐店", "酒楼", "家常菜馆")
STALL_GOODS = ("早餐", "水果", "熟食", "蔬菜", "烧饼", "凉皮")
FACTORY_GOODS = ("食品", "面业", "调味品", "肉制品", "饮品", "粮油")
SCHOOLS = ("第一小学", "第二小学", "中心小学", "实验小学", "初级中学", "中心幼儿园", "第一幼儿园", "第二幼儿园",
           "希望小学", "第三小学", "双语幼儿园", "实验中学")
OFFICES = ("办事处机关", "派出所", "税务所", "供电所", "财政所", "卫生院职工", "便民服务中心", "中心学校机关",
           "自来水公司", "农商银行支行")
ROADS = ("建设路", "和平路", "文化路", "工业一路", "工业二路", "人民路", "幸福街", "富民路", "兴业路", "朝阳街",
         "育才路", "新华路", "商贸街", "滨河路", "花园路", "振兴街", "东环路", "西环路", "南环路", "北环路")
VILLAGES = ("东关村", "西关村", "南关村", "北关村", "王家庄村", "李家庄村", "张家村", "刘家村", "前进社区", "东山社区",
            "花园社区", "石河村", "枣林村", "上庄村", "下庄村", "河东村", "河西村", "新华社区", "中心社区", "杨家村",
            "孙家村", "马家村", "东营村", "西营村", "南营村", "北营村", "大庄村", "小庄村", "后庄村", "前庄村",
            "柳林村", "槐树村", "杏林社区", "清泉社区", "龙泉社区", "明珠社区", "新村社区", "东坡村", "西坡村",
            "南坡村")
CITY_UNITS = ("济南市市场监督管理局", "济南市教育局", "济南市卫生健康委员会", "济南市商务局", "济南市农业农村局")
COUNTY_UNITS = ("章丘区市场监督管理局", "章丘区教育和体育局", "章丘区卫生健康局", "章丘区民政局", "章丘区商务局",
                "章丘区农业农村局", "章丘区综合行政执法局", "章丘区人民政府办公室", "章丘区财政局", "章丘区公安分局")
TITLES = {
    "市": ("副局长", "四级调研员", "处长", "副处长"),
    "县": ("局长", "副局长", "科长", "副科长", "一级主任科员"),
    "乡": ("党工委副书记", "办事处副主任", "食安办主任", "社会事务办主任", "综合执法办主任"),
    "村": ("党支部书记", "村委会主任", "食品安全协管员", "网格员"),
}
PROBLEMS = (
    "进货查验记录不全", "从业人员健康证过期", "餐饮具消毒不规范", "未落实日管控记录", "食品安全员未到岗",
    "未落实周排查记录", "原料贮存离地离墙不符合要求", "超范围经营", "添加剂未专柜专人管理", "冷藏设施温度记录缺失",
    "加工场所卫生不达标", "过期食品未及时下架", "留样不规范", "虫害防治设施缺失", "索证索票资料不全",
)
HAZARDS = (
    "冷藏冷冻设施温度不达标", "过期食品未及时下架", "进货查验记录不全", "从业人员未持有效健康证明", "餐饮具清洗消毒不到位",
    "食品添加剂未专柜专人管理", "原料贮存未离地离墙", "防鼠防蝇设施缺失", "未落实食品安全日管控", "预包装食品标签不规范",
    "临期食品未分区存放", "加工操作区生熟混放", "留样不规范", "食品安全管理人员未到岗", "索证索票资料不全",
)
# 示例 delay reasons and progress notes by the kind of work (seed/demo/plans.py:work_kind reads the task's text):
# a camera pilot's delay speaks of equipment or network, a meeting's of scheduling, a third-party evaluation's of
# procurement. Progress notes are in the order the work goes: a task's notes move forward, never back.
DELAY_REASONS: dict[str, tuple[str, ...]] = {
    "deploy": ("个别监管所推进措施未报送，正在督导",),
    "video": ("视频监控设备采购未到货，安装顺延", "部分作坊网络带宽不足，远程视频接入调试中"),
    "meeting": ("受疫情防控影响，会议改期召开", "参会单位时间未能统一，会议顺延"),
    "training": ("受疫情防控影响，培训改期", "授课专家时间未定，培训顺延"),
    "visit": ("受疫情防控影响，观摩活动改期", "观摩点接待时间未定，活动顺延"),
    "partner": ("需与区妇联联合评选，活动时间顺延", "合作单位评选方案未确定"),
    "third_party": ("第三方评价机构采购程序未完成，检查评价顺延",),
    "cold_chain": ("部分冷库底数未摸清，清单核实中",),
    "rectify": ("部分作坊停产整改，复查顺延", "问题作坊整改周期较长，复查顺延"),
    "upgrade": ("拟升级作坊改造资金未落实，转型进度滞后", "拟升级作坊厂房改造未完工"),
    "general": ("上级部署调整，待新方案印发",),
}
PROGRESS_NOTES: dict[str, tuple[str, ...]] = {
    "deploy": ("各监管所已传达会议精神", "各监管所已制定具体推进措施", "正在督导各监管所贯彻落实情况"),
    "video": ("已完成视频监控设备选型", "正在安装调试远程视频监管设备", "部分点位已接入远程视频监管平台"),
    "meeting": ("已拟定会议方案", "已发出会议通知"),
    "training": ("已确定培训内容和授课人员", "已发出培训通知"),
    "visit": ("已选定观摩点", "已拟定观摩活动方案"),
    "partner": ("已与合作单位对接活动方案", "正在组织申报", "已发布宣传报道"),
    "third_party": ("已梳理冷链及高风险食品小作坊清单", "第三方评价机构正在检查评价", "正在督促问题整改"),
    "cold_chain": ("正在摸排冷库底数", "已列出冷链食品小作坊清单", "正在督导疫情防控措施落实"),
    "rectify": ("正在组织开展专项检查", "已完成首轮排查，建立问题清单", "正在督促问题整改"),
    "upgrade": ("已筛选拟升级作坊名单", "正在指导作坊改善生产条件", "已召开产业协会交流活动"),
    "general": ("已印发工作通知", "正在汇总各所进展", "持续推进中"),
}
# Words that tell a task's kind, tried in this order (the first kind with a word in the text wins).
WORK_KIND_WORDS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("deploy", ("贯彻落实",)),
    ("video", ("视频", "远程", "摄像", "智慧监管")),
    ("third_party", ("第三方",)),
    ("cold_chain", ("冷链", "冷库")),
    ("meeting", ("会议", "座谈", "部署会")),
    ("training", ("培训",)),
    ("visit", ("观摩",)),
    ("partner", ("评选", "宣传", "妇联", "老字号")),
    ("rectify", ("检查", "评价", "整治", "治理", "摸排", "排查")),
    ("upgrade", ("转型", "升级", "协会", "提升")),
)

# Sector mix of the register (shares), subtypes within a sector, and 包保分级 (A = largest) by sector or subtype.
SECTOR_MIX = (("销售", 0.28), ("餐饮", 0.14), ("小餐饮", 0.20), ("单位食堂", 0.08), ("小作坊", 0.09),
              ("生产", 0.05), ("摊贩", 0.14), ("集中交易市场", 0.02))
SUBTYPES = {
    "单位食堂": (("学校食堂", 0.45), ("机关食堂", 0.33), ("养老机构食堂", 0.13), ("医院食堂", 0.09)),
    "销售": (("超市", 0.2), ("便利店", 0.3), ("食杂店", 0.5)),
    "餐饮": (("大型餐馆", 0.1), ("中型餐馆", 0.35), ("小型餐馆", 0.55)),
    "集中交易市场": (("农贸市场", 0.7), ("批发市场", 0.3)),
}
TIER_WEIGHTS = {
    "生产": (0.10, 0.30, 0.35, 0.25),
    "集中交易市场": (0.15, 0.45, 0.30, 0.10),
    "学校食堂": (0.05, 0.35, 0.45, 0.15),
    "单位食堂": (0.0, 0.15, 0.45, 0.40),
    "超市": (0.03, 0.20, 0.40, 0.37),
    "销售": (0.0, 0.03, 0.22, 0.75),
    "餐饮": (0.01, 0.10, 0.35, 0.54),
    "小作坊": (0.0, 0.03, 0.30, 0.67),
    "小餐饮": (0.0, 0.0, 0.15, 0.85),
    "摊贩": (0.0, 0.0, 0.05, 0.95),
}
RISK_WEIGHTS = (0.32, 0.43, 0.18, 0.07)  # 风险等级 A–D, drawn independently of 包保分级: C/D ≈ 25%
LEVEL_OF_TIER = {"A": "市", "B": "县", "C": "乡", "D": "村"}
SECOND_LEVEL = {"A": "县", "B": "乡", "C": "村", "D": "乡"}
CADRE_COUNTS = {"市": 10, "县": 60, "乡": 150, "村": 180}
N_BUSINESSES = 3000
HIGH_RISK = DEFAULT_HIGH_RISK  # the one definition: db.queries.baobao.high_risk_levels (AppSetting high_risk_levels)
HIGH_RISK_METHODS = (("现场", 0.86), ("电话询问", 0.05), ("视频会议", 0.04), ("集中督导", 0.03), ("线上", 0.02))
LOW_RISK_METHODS = (("现场", 0.40), ("集中督导", 0.18), ("电话询问", 0.17), ("线上", 0.12), ("集中汇报", 0.07),
                    ("视频会议", 0.06))
PROBLEM_CHANCE = {"现场": 0.27, "集中督导": 0.12}  # other methods see little: 0.04
QUARTERS = ((dt.date(2022, 1, 1), dt.date(2022, 3, 31)), (dt.date(2022, 4, 1), dt.date(2022, 6, 30)),
            (dt.date(2022, 7, 1), dt.date(2022, 9, 30)), (dt.date(2022, 10, 1), dt.date(2022, 12, 31)))
# Completions per month: slow around the Spring Festival, busiest from spring to early autumn.
MONTH_WEIGHTS = {1: 0.5, 2: 0.5, 3: 1.0, 4: 1.2, 5: 1.3, 6: 1.4, 7: 1.1, 8: 1.1, 9: 1.3, 10: 1.0}

# Gauged demo KPIs: which of the other districts' rules to turn into 章丘区 gauges, and how.
PER_CAPITA = {"监督抽检量": ("监督抽检批次", "批次")}  # per-1000-residents rule -> a count for 章丘区
COMPUTED = {"月报按时上报率": "submissions"}  # computed from MonthlySubmission: never given readings
# Intended status at 2022-10 for the known rules (others are drawn): a mix of green, amber and red.
KPI_STATUS = {
    "监督抽检批次": "amber", "不合格食品核查处置率": "amber", "核查处置按时完成率": "green",
    "预包装食品追溯二维码赋码率": "amber", "学校、养老机构食堂“互联网+明厨亮灶”建成率": "green",
    "医院食堂“互联网+明厨亮灶”建成率": "green", "学校食堂和校外供餐单位“互联网+明厨亮灶”覆盖率": "amber",
    "学校、养老院、中型以上餐饮“清洁厨房”达标率": "amber", "农村食品经营店规范化建设覆盖率": "red",
    "在产小作坊食品全面检验覆盖率": "green", "新增区级实训中心": "green", "“你点我检”集中宣传活动": "red",
}

USCC_CHARS = "0123456789ABCDEFGHJKLMNPQRTUWXY"  # GB 32100-2015 code set (no I O S V Z)
USCC_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)

# --- 食品小作坊 (seed/demo/workshops.py; seeds/004 二(二)–(六)) ----------------------------------------

# 品类 by the goods word in a workshop's name (vocab WORKSHOP_GOODS).
WORKSHOP_CATEGORY = {
    "煎饼": "面制品", "馒头": "面制品", "挂面": "面制品", "烧饼": "面制品", "豆腐": "豆制品", "豆腐皮": "豆制品",
    "香油": "食用油", "酱菜": "酱腌菜", "大葱酱": "酱腌菜", "熏肉": "肉制品", "驴肉": "肉制品", "酱肉": "肉制品",
    "粉皮": "粉条粉皮", "粉条": "粉条粉皮", "糕点": "糕点", "麻花": "糕点", "芝麻糖": "糖果制品", "米醋": "调味品",
    "酱油": "调味品", "白酒": "白酒",
}
# Chance of 冷链 (with 冷库) and of 高风险 by 品类; others: COLD_CHANCE_OTHER / HIGH_RISK_CHANCE_OTHER.
COLD_CHANCE = {"肉制品": 0.85, "豆制品": 0.5, "酱腌菜": 0.15, "糕点": 0.1}
COLD_CHANCE_OTHER = 0.02
HIGH_RISK_CHANCE = {"肉制品": 0.55, "豆制品": 0.35, "白酒": 0.6, "食用油": 0.35, "粉条粉皮": 0.25}
HIGH_RISK_CHANCE_OTHER = 0.06
OLD_BRAND_CATEGORIES = ("白酒", "调味品", "食用油", "糕点", "糖果制品")  # 老字号 candidates
EXIT_REASONS = ("不符合登记条件，依法退出", "停产超过一年，注销登记", "经营者申请注销", "场所拆迁，停止生产")
SWEEP_PLACES = ("加工点", "作坊", "小院", "民房", "厂房", "仓库")
# 第三方检查评价 (004 配档表：2022年4月~6月), a few late ones in July–September.
REVIEW_WINDOW = (dt.date(2022, 4, 1), dt.date(2022, 6, 30))
REVIEW_LATE = (dt.date(2022, 7, 1), dt.date(2022, 9, 30))
# 示范创建: every station names exactly as many done 示范 sites as it reports, except the one station whose sites
# task_items flips on purpose (builder.task_items: mismatch). For the default seed that is DEMO_GAP_STATION:
# its 示范 sites named are one fewer than the 累计完成 it reported (demo_gap −1). VIDEO_GAP_STATION likewise for
# 视频监管试点 (tests/services/test_workshop_figures.py asserts both).
DEMO_GAP_STATION = "垛庄所"
VIDEO_GAP_STATION = "普集所"

# --- 企业主体责任 and 抽检 (seed/demo/oversight.py; 002 流通 1–2, 002 抽检, 003 10, 000 8) ---------------------

# What is sampled where: (食品大类, 样品名称, weight) by sector; a 小作坊 is sampled in its own 品类.
SAMPLE_GOODS: dict[str, tuple[tuple[str, str, float], ...]] = {
    "生产": (("粮食加工品", "小麦粉", 3), ("粮食加工品", "挂面", 2), ("肉制品", "熟肉制品", 2), ("调味品", "酱油", 1.5),
             ("调味品", "食醋", 1), ("饮料", "饮用纯净水", 1.5), ("糕点", "糕点", 1.5), ("食用油、油脂及其制品", "花生油", 1),
             ("速冻食品", "速冻面米食品", 1)),
    "销售": (("粮食加工品", "大米", 2), ("粮食加工品", "小麦粉", 1.5), ("食用农产品", "鸡蛋", 2),
             ("食用农产品", "韭菜", 1.5), ("食用农产品", "猪肉", 1.5), ("乳制品", "灭菌乳", 1.5), ("饮料", "果蔬汁饮料", 1),
             ("方便食品", "方便面", 1), ("糖果制品", "糖果", 0.8), ("酒类", "白酒", 1), ("食用油、油脂及其制品", "大豆油", 1),
             ("蔬菜制品", "酱腌菜", 1), ("炒货食品及坚果制品", "炒瓜子", 0.8)),
    "餐饮": (("餐饮食品", "复用餐饮具", 3), ("餐饮食品", "自制面食", 1.5), ("餐饮食品", "油炸面制品", 1.5),
             ("餐饮食品", "酱卤肉制品", 1.5), ("餐饮食品", "凉拌菜", 1)),
    "小餐饮": (("餐饮食品", "复用餐饮具", 2), ("餐饮食品", "油条", 1.5), ("餐饮食品", "自制面食", 1.5)),
    "单位食堂": (("餐饮食品", "复用餐饮具", 3), ("餐饮食品", "米饭", 1), ("餐饮食品", "馒头", 1.5),
                 ("食用农产品", "豆芽", 1)),
    "集中交易市场": (("食用农产品", "韭菜", 2), ("食用农产品", "芹菜", 1.5), ("食用农产品", "豇豆", 1.5),
                     ("食用农产品", "猪肉", 1.5), ("食用农产品", "鸡蛋", 1.5), ("食用农产品", "淡水鱼", 1),
                     ("食用农产品", "豆芽", 1)),
    "摊贩": (("餐饮食品", "油条", 1.5), ("食用农产品", "香蕉", 1), ("餐饮食品", "凉皮", 1)),
}
# 小作坊 品类 (vocab WORKSHOP_CATEGORY) → what its 抽检 calls the goods (食品大类).
WORKSHOP_SAMPLE_CATEGORY = {"面制品": "粮食加工品", "豆制品": "豆制品", "食用油": "食用油、油脂及其制品",
                            "酱腌菜": "蔬菜制品", "肉制品": "肉制品", "粉条粉皮": "淀粉及淀粉制品", "糕点": "糕点",
                            "糖果制品": "糖果制品", "调味品": "调味品", "白酒": "酒类"}
# 不合格项目 by 食品大类 (others: FAILED_ITEM_OTHER).
FAILED_ITEMS = {
    "食用农产品": ("毒死蜱", "腐霉利", "恩诺沙星", "氧氟沙星", "克百威", "甲拌磷"),
    "餐饮食品": ("阴离子合成洗涤剂（以十二烷基苯磺酸钠计）", "大肠菌群", "铝的残留量（干样品，以Al计）"),
    "粮食加工品": ("脱氧雪腐镰刀菌烯醇", "过氧化苯甲酰"),
    "肉制品": ("菌落总数", "亚硝酸盐（以亚硝酸钠计）", "苯甲酸及其钠盐（以苯甲酸计）"),
    "糕点": ("过氧化值（以脂肪计）", "霉菌", "脱氢乙酸及其钠盐（以脱氢乙酸计）"),
    "食用油、油脂及其制品": ("酸价（以KOH计）", "苯并[a]芘"),
    "酒类": ("酒精度", "甜蜜素（以环己基氨基磺酸计）"),
    "蔬菜制品": ("二氧化硫残留量", "苯甲酸及其钠盐（以苯甲酸计）"),
}
FAILED_ITEM_OTHER = ("菌落总数", "大肠菌群", "标签标识不符合要求")
SAMPLE_KIND_WEIGHTS = (("监督抽检", 0.82), ("专项抽检", 0.13), ("你点我检", 0.05))
# 核查处置结果 of the 不合格 batches closed (db.models.SAMPLE_OUTCOMES), weights.
SAMPLE_OUTCOME_WEIGHTS = (("立案查处", 0.45), ("责令整改", 0.35), ("下架召回", 0.12), ("移送", 0.03), ("核查无问题", 0.05))
# Problems 执法 found at packaged businesses (source 执法: the 包保干部 sees them with their own).
ENFORCEMENT_PROBLEMS = (
    "执法检查发现经营超过保质期食品", "执法检查发现未按规定查验供货者许可证", "执法检查发现从业人员未取得健康证明上岗",
    "执法检查发现食品原料未按规定贮存", "执法检查发现未建立食品安全自查制度", "执法检查发现未按规定配备食品安全管理人员",
)
