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

KINDS = {kind.name: kind for kind in (CASES,)}
