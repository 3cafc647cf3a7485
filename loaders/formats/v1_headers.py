"""The Chinese column headers format v1 accepts beside the English ones (docs/data-format.md).

One table for every v1 file: a column means the same in each file it appears in, so its Chinese header
does too. A header is read as its column (after :func:`loaders.csvio.normalise_header`); a file that gives
both the English and a Chinese header of one column is refused by the header reader, naming both.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Final

from loaders.csvio import normalise_header

COLUMN_NAMES_ZH: Final[Mapping[str, tuple[str, ...]]] = {
    # organizations.csv
    "uscc": ("统一社会信用代码",),
    "name": ("名称", "姓名"),
    "kind": ("类型",),
    "region": ("地区", "行政区划代码"),
    "established_on": ("成立日期",),
    "industry": ("行业",),
    # persons.csv
    "id_number": ("身份证号码", "证件号码"),
    "org_id": ("组织统一社会信用代码", "所属组织"),
    # roles.csv, practitioners.csv, branches.csv
    "person_id": ("人员证件号码",),
    "person_name": ("人员姓名",),
    "role": ("角色",),
    "title": ("职务",),
    "qualification": ("执业资格",),
    "certificate_no": ("证书编号",),
    "branch_id": ("分支机构代码",),
    "parent_id": ("隶属机构代码",),
    "start_on": ("起始日期",),
    "end_on": ("终止日期",),
    # shareholdings.csv
    "holder_id": ("股东标识",),
    "holder_name": ("股东名称",),
    "holder_type": ("股东类型",),
    "ratio": ("持股比例",),
    "subscribed_amount": ("认缴出资额",),
    # list_entries.csv
    "entry_id": ("条目编号",),
    "subject_id": ("主体标识",),
    "list": ("名单",),
    "domain": ("领域",),
    "reason": ("认定事由",),
    "act_on": ("行为日期",),
    "decided_on": ("认定日期",),
    "valid_from": ("有效期起",),
    "valid_until": ("有效期止",),
    "initiating_dept": ("认定部门",),
    "basis": ("认定文书号",),
    "source_region": ("来源地区",),
    "status": ("状态",),
    "responsible_person_ids": ("责任人",),
}


def aliases_zh(columns: Iterable[str]) -> dict[str, str]:
    """Normalised Chinese header -> column, for the ``columns`` of one file kind."""
    return {normalise_header(zh): column for column in columns for zh in COLUMN_NAMES_ZH.get(column, ())}
