"""What each kind of ledger holds: its fields, the headers that name them, how to read them.

A field's first header is the one Homeward's own template uses; the others
are what bureaus' ledgers call it.  The words of closed vocabularies
(人员类别, 证件类型 …) map to the codes the commands take.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from application.ledger import cells
from application.ledger.columns import header_key

#: Reads a cell of a field: (cell value, field name, the importer's district) → value.
Reader = Callable[[Any, str, str], Any]


@dataclass(frozen=True)
class Field:
    """One field of a kind of ledger."""

    name: str
    headers: tuple[str, ...]
    read: Reader
    required: bool = False
    #: An amount of money: a column headed in 万元 (``贷款金额（万元）``) counts in 万.
    money: bool = False


@dataclass(frozen=True)
class Kind:
    """A kind of ledger: the fields of the command each row becomes."""

    name: str
    fields: tuple[Field, ...]

    def synonyms(self) -> dict[str, str]:
        """Header key → field name."""
        return {header_key(h): f.name for f in self.fields for h in (f.name, *f.headers)}

    def field(self, name: str) -> Field | None:
        return next((f for f in self.fields if f.name == name), None)

    @property
    def required(self) -> tuple[str, ...]:
        return tuple(f.name for f in self.fields if f.required)


def _text(raw: Any, field: str, near: str) -> str | None:
    return cells.text(raw)


def _code(raw: Any, field: str, near: str) -> str | None:
    return cells.code(raw, field)


def _date(raw: Any, field: str, near: str) -> Any:
    return cells.a_date(raw, field)


def _county(raw: Any, field: str, near: str) -> str | None:
    return cells.county(raw, field, near)


def _province(raw: Any, field: str, near: str) -> str | None:
    return cells.province(raw, field)


def _yes_no(raw: Any, field: str, near: str) -> bool | None:
    return cells.yes_no(raw, field)


def _word(vocabulary: dict[str, str]) -> Reader:
    return lambda raw, field, near: cells.label(raw, field, vocabulary)


def _words(vocabulary: dict[str, str]) -> Reader:
    return lambda raw, field, near: cells.labels(raw, field, vocabulary)


ID_TYPES = {
    "居民身份证": "RESIDENT_ID", "身份证": "RESIDENT_ID", "二代身份证": "RESIDENT_ID",
    "港澳居民居住证": "HK_MO_PERMIT", "港澳居民来往内地通行证": "HK_MO_PERMIT",
    "港澳通行证": "HK_MO_PERMIT", "回乡证": "HK_MO_PERMIT",
    "台湾居民居住证": "TW_PERMIT", "台湾居民来往大陆通行证": "TW_PERMIT", "台胞证": "TW_PERMIT",
    "护照": "PASSPORT", "外国护照": "PASSPORT",
}
SEXES = {"男": "M", "女": "F", "男性": "M", "女性": "F"}
RETURNEE_TYPES = {
    "农民工": "MIGRANT_WORKER", "返乡农民工": "MIGRANT_WORKER", "外出务工人员": "MIGRANT_WORKER",
    "返乡务工人员": "MIGRANT_WORKER", "务工人员": "MIGRANT_WORKER",
    "高校毕业生": "GRADUATE", "大学生": "GRADUATE", "毕业生": "GRADUATE",
    "返乡大学生": "GRADUATE",
    "退役军人": "VETERAN", "退伍军人": "VETERAN", "复员退伍军人": "VETERAN",
    "其他": "OTHER", "其它": "OTHER", "其他人员": "OTHER",
}
LOAN_GROUPS = {
    "城镇登记失业人员": "REGISTERED_UNEMPLOYED", "登记失业人员": "REGISTERED_UNEMPLOYED",
    "就业困难人员": "EMPLOYMENT_DIFFICULTY",
    "退役军人": "VETERAN", "复员转业退役军人": "VETERAN",
    "刑满释放人员": "RELEASED_PRISONER",
    "高校毕业生": "GRADUATE",
    "化解过剩产能企业职工": "OVERCAPACITY_WORKER",
    "化解过剩产能企业职工和失业人员": "OVERCAPACITY_WORKER",
    "返乡创业农民工": "RETURNING_MIGRANT_WORKER", "返乡农民工": "RETURNING_MIGRANT_WORKER",
    "网络商户": "ONLINE_MERCHANT",
    "建档立卡贫困人口": "REGISTERED_POOR", "脱贫人口": "REGISTERED_POOR",
    "农村自主创业农民": "RURAL_SELF_EMPLOYED",
}

CASES = Kind("cases", (
    Field("name", ("姓名", "名字", "人员姓名", "创业者姓名", "返乡人员姓名", "申请人姓名"),
          _text, required=True),
    Field("id_type", ("证件类型", "证件类别", "证件种类"), _word(ID_TYPES)),
    Field("id_number", ("身份证号", "身份证号码", "公民身份号码", "身份证件号码", "证件号码",
                        "证件号", "身份证"), _code, required=True),
    Field("sex", ("性别",), _word(SEXES)),
    Field("birth_date", ("出生日期",), _date),
    Field("mobile", ("手机号", "手机号码", "联系电话", "联系方式", "电话", "手机", "电话号码"),
          _code),
    Field("hukou_division", ("户籍地", "户籍所在地", "户籍地址", "户口所在地", "户籍"),
          _county, required=True),
    Field("residence_division", ("居住地统计代码", "现居住地代码", "居住地代码",
                                 "现居住地区划代码"), _code),
    Field("owning_district", ("所属区县", "管理区县", "所属县区", "所在区县", "建档区县", "区县"),
          _county, required=True),
    Field("returnee_type", ("人员类别", "返乡类型", "人员类型", "返乡人员类别", "返乡人员类型",
                            "返乡创业人员类别", "创业者类型"), _word(RETURNEE_TYPES),
          required=True),
    Field("loan_groups", ("贷款人员类别", "创业担保贷款人员类别", "贷款扶持对象", "贷款对象类别"),
          _words(LOAN_GROUPS)),
    Field("is_disabled", ("是否残疾人", "残疾人", "是否残疾"), _yes_no),
    Field("returned_on", ("返乡时间", "返乡日期", "回乡时间", "返乡创业时间"), _date,
          required=True),
    Field("occurred_on", ("登记日期", "登记时间", "建档日期", "建档时间", "入库日期", "录入日期"),
          _date, required=True),
    Field("caseworker_id", ("经办人", "经办人账号", "责任人", "包联经办人"), _text,
          required=True),
    Field("prior_work_province", ("务工省份", "原务工省份", "外出务工省份", "原务工地", "务工地"),
          _province),
    Field("intended_industry", ("意向行业", "创业意向", "创业项目", "拟创业行业", "创业行业"),
          _text),
    Field("note", ("备注", "说明"), _text),
    Field("case_no", ("案件编号", "档案编号"), _code),
))


def _whole(raw: Any, field: str, near: str) -> int | None:
    return cells.whole(raw, field)


def _fen(raw: Any, field: str, near: str) -> int | None:
    return cells.fen(raw, field)


def _months(raw: Any, field: str, near: str) -> int | None:
    return cells.months(raw, field)


def _rate(raw: Any, field: str, near: str) -> int | None:
    return cells.rate_bp(raw, field)


COURSES = {
    "GYB": "GYB", "GYB培训": "GYB", "创业意识培训": "GYB", "产生你的企业想法": "GYB",
    "SYB": "SYB", "SYB培训": "SYB", "SYB创业培训": "SYB", "创办你的企业": "SYB",
    "创业培训": "SYB",
    "IYB": "IYB", "IYB培训": "IYB", "改善你的企业": "IYB",
    "EYB": "EYB", "EYB培训": "EYB", "扩大你的企业": "EYB",
    "网络创业培训": "ONLINE_BUSINESS", "网络创业": "ONLINE_BUSINESS", "网创培训": "ONLINE_BUSINESS",
    "创业模拟实训": "SIMULATION", "模拟实训": "SIMULATION",
    "直播电商培训": "LIVESTREAM_ECOMMERCE", "直播电商": "LIVESTREAM_ECOMMERCE",
    "专项创业培训": "SPECIAL", "专项培训": "SPECIAL",
    "其他": "OTHER", "其它": "OTHER",
}
RESULTS = {
    "合格": "PASSED", "考核合格": "PASSED", "结业": "PASSED", "已结业": "PASSED",
    "通过": "PASSED", "是": "PASSED",
    "不合格": "FAILED", "考核不合格": "FAILED", "未通过": "FAILED", "否": "FAILED",
    "退学": "WITHDRAWN", "中途退出": "WITHDRAWN", "退出": "WITHDRAWN", "放弃": "WITHDRAWN",
}
PLAN_GRADES = {"优秀": "EXCELLENT", "合格": "PASS", "良好": "PASS", "不合格": "FAIL",
               "无": "NONE"}
BORROWER_KINDS = {
    "个人": "INDIVIDUAL", "个人贷款": "INDIVIDUAL", "个人创业担保贷款": "INDIVIDUAL",
    "合伙": "PARTNERSHIP", "合伙创业": "PARTNERSHIP", "合伙创业贷款": "PARTNERSHIP",
    "小微企业": "SMALL_MICRO", "小微企业贷款": "SMALL_MICRO", "企业": "SMALL_MICRO",
}
GUARANTORS = {
    "担保基金": "FUND", "创业担保贷款担保基金": "FUND", "基金担保": "FUND",
    "政府性融资担保机构": "GOV_GUARANTOR", "融资担保机构": "GOV_GUARANTOR",
    "融资担保公司": "GOV_GUARANTOR", "担保公司": "GOV_GUARANTOR",
    "免担保": "CREDIT_NO_GUARANTEE", "信用": "CREDIT_NO_GUARANTEE",
    "信用贷款": "CREDIT_NO_GUARANTEE", "免担保信用贷款": "CREDIT_NO_GUARANTEE",
}
ENTITY_TYPES = {"企业": "ENTERPRISE", "公司": "ENTERPRISE", "个体工商户": "INDIVIDUAL_BUSINESS",
                "个体户": "INDIVIDUAL_BUSINESS", "农民专业合作社": "FARMER_COOPERATIVE",
                "合作社": "FARMER_COOPERATIVE", "其他": "OTHER"}
PREMISES = {"自有": "OWN", "自有房产": "OWN", "租赁": "RENTED", "租用": "RENTED",
            "孵化基地": "INCUBATOR", "创业孵化基地": "INCUBATOR", "孵化器": "INCUBATOR",
            "家庭": "HOME", "自家": "HOME", "住宅": "HOME"}

#: Whose row it is: the case is found by the ID number's keyed hash; a name must match it.
_PERSON = (
    Field("name", ("姓名", "学员姓名", "参训人员姓名", "借款人姓名", "借款人", "名字"), _text),
    Field("id_type", ("证件类型", "证件类别"), _word(ID_TYPES)),
    Field("id_number", ("身份证号", "身份证号码", "公民身份号码", "证件号码", "借款人身份证号",
                        "学员身份证号", "身份证"), _code, required=True),
)

TRAININGS = Kind("trainings", (
    *_PERSON,
    Field("course", ("培训类型", "培训项目", "培训类别", "培训课程", "培训种类", "课程"),
          _word(COURSES)),
    Field("provider_uscc", ("培训机构统一社会信用代码", "培训机构信用代码", "培训机构代码",
                            "机构统一社会信用代码"), _code),
    Field("class_approval_no", ("开班批准号", "开班批文号", "开班编号", "班级编号", "培训班编号",
                                "班号", "开班"), _code),
    Field("start_on", ("开班时间", "开班日期", "开始时间", "培训开始时间", "开课时间", "开课日期"),
          _date),
    Field("planned_hours", ("计划课时", "培训课时", "课时", "学时", "计划学时"), _whole),
    Field("enrolled_on", ("报名日期", "报名时间", "参训日期"), _date),
    Field("subsidised", ("是否补贴培训", "补贴培训", "是否享受补贴", "政府补贴"), _yes_no),
    Field("ended_on", ("结业时间", "结业日期", "培训结束时间", "结束时间", "结束日期", "考核日期"),
          _date),
    Field("result", ("培训结果", "结业情况", "考核结果", "是否合格", "是否结业", "结业状态"),
          _word(RESULTS)),
    Field("hours_attended", ("实际课时", "参训课时", "出勤课时", "完成课时", "实到课时",
                             "实际学时"), _whole),
    Field("certificate_no", ("证书编号", "合格证书编号", "结业证书编号", "培训合格证编号",
                             "证书号"), _code),
    Field("business_plan_grade", ("创业计划书评定", "创业计划书等级", "计划书评分",
                                  "创业计划书"), _word(PLAN_GRADES)),
    Field("note", ("备注", "说明"), _text),
))

LOANS = Kind("loans", (
    *_PERSON,
    Field("borrower_kind", ("贷款类型", "借款人类型", "贷款主体类型", "贷款种类"),
          _word(BORROWER_KINDS)),
    Field("principal", ("贷款金额", "放款金额", "发放金额", "实际放款金额", "贷款额度"), _fen,
          required=True, money=True),
    Field("amount", ("申请金额", "申请贷款金额"), _fen, money=True),
    Field("term_months", ("贷款期限", "期限", "借款期限"), _months, required=True),
    Field("annual_rate_bp", ("年利率", "贷款利率", "执行利率", "利率"), _rate, required=True),
    Field("disbursed_on", ("放款日期", "放款时间", "发放日期", "贷款发放日期", "借款日期"),
          _date, required=True),
    Field("applied_on", ("申请日期", "申请时间"), _date),
    Field("certified_on", ("审核日期", "资格审核日期", "审核时间", "认定日期"), _date),
    Field("contract_no", ("合同编号", "借款合同编号", "贷款合同号", "合同号", "借款合同号"), _code,
          required=True),
    Field("bank", ("贷款银行", "经办银行", "放款银行", "承贷银行", "银行"), _text, required=True),
    Field("guarantor", ("担保方式", "担保类型", "担保机构类型"), _word(GUARANTORS),
          required=True),
    Field("group", ("贷款人员类别", "扶持对象类别", "人员类别", "贷款对象类别"),
          _word(LOAN_GROUPS)),
    Field("repaid_on", ("结清日期", "还清日期", "还款日期"), _date),
    Field("uscc", ("统一社会信用代码", "营业执照统一社会信用代码", "经营主体信用代码",
                   "社会信用代码"), _code),
    Field("business_name", ("经营主体名称", "企业名称", "个体户名称", "字号名称", "营业执照名称",
                            "经营实体名称"), _text),
    Field("registered_on", ("注册日期", "成立日期", "营业执照登记日期", "登记注册日期",
                            "开业日期"), _date),
    Field("entity_type", ("主体类型", "经营主体类型"), _word(ENTITY_TYPES)),
    Field("premises", ("经营场所", "经营场所类型", "场所性质"), _word(PREMISES)),
    Field("first_time_founder", ("是否首次创业", "首次创业"), _yes_no),
    Field("note", ("备注", "说明"), _text),
))

KINDS = {kind.name: kind for kind in (CASES, TRAININGS, LOANS)}
