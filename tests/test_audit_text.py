"""The audit log in words (issue 10.10): one line per event, zh and en, never raw JSON."""

from __future__ import annotations

import pytest

from dashboard.audit_text import audit_line

FILES = {"files": [{"file": "三月.xlsx", "sha256": "ab12", "batch": 3}], "added": 1200, "replaced": 2, "unchanged": 5}
OIDC = {"method": "oidc", "role": "admin", "iss": "https://id.example.cn", "sub": "u-1", "email": "wang@example.cn"}

CASES = [
    (
        "import",
        FILES,
        "三月.xlsx（批次 #3）：新增 1,200 行，更新 2 行，未变 5 行",
        "三月.xlsx (batch #3): 1,200 added, 2 replaced, 5 unchanged",
    ),
    ("undo", {"batch": 3}, "撤销批次 #3", "undid batch #3"),
    (
        "undo_refused",
        {"batch": 3, "reason": "later_batch", "later_batch": 5},
        "撤销批次 #3 被拒：其数据已被批次 #5 再次修改，须先撤销该批次",
        "undo of batch #3 refused: batch #5 changed its rows since; undo that first",
    ),
    (
        "undo_refused",
        {"batch": 3, "reason": "not_yours"},
        "撤销批次 #3 被拒：不是本人导入的批次",
        "undo of batch #3 refused: someone else imported it",
    ),
    (
        "login",
        {"method": "password", "role": "viewer"},
        "密码登录，角色：查看",
        "signed in with a password, role: Viewer",
    ),
    (
        "login",
        OIDC,
        "统一身份认证登录，角色：管理；身份：wang@example.cn（https://id.example.cn）",
        "signed in with single sign-on, role: Administrator; identity: wang@example.cn (https://id.example.cn)",
    ),
    (
        "login_failed",
        {"method": "password", "reason": "wrong_password"},
        "密码登录失败：密码错误",
        "sign-in with a password failed: wrong password",
    ),
    ("logout", {}, "退出登录", "signed out"),
    (
        "user_add",
        {"name": "王伟", "role": "reporter", "units": ["挤出车间", "成型车间"]},
        "添加用户 王伟，角色：填报，单位：挤出车间、成型车间",
        "added user 王伟, role: Reporter, units: 挤出车间, 成型车间",
    ),
    (
        "user_add",
        {"name": "管理员", "role": "admin", "units": [], "first_admin": True},
        "添加用户 管理员，角色：管理（首个管理员）",
        "added user 管理员, role: Administrator (the first administrator)",
    ),
    ("user_passwd", {"name": "王伟"}, "更改用户 王伟 的密码", "changed the password of 王伟"),
    ("user_remove", {"name": "王伟"}, "删除用户 王伟", "removed user 王伟"),
    ("user_unlock", {"name": "王伟"}, "解除用户 王伟 的登录锁定", "lifted the sign-in lock of 王伟"),
    ("new_action", {"count": 2, "units": ["甲", "乙"]}, "count: 2；units: 甲、乙", "count: 2; units: 甲, 乙"),
]


@pytest.mark.parametrize(("action", "detail", "zh", "en"), CASES, ids=[f"{c[0]}-{i}" for i, c in enumerate(CASES)])
def test_each_event_reads_as_one_sentence(action: str, detail: dict, zh: str, en: str) -> None:
    assert audit_line(action, detail, "zh") == zh
    assert audit_line(action, detail, "en") == en
    for line in (audit_line(action, detail, "zh"), audit_line(action, detail, "en")):
        assert "{" not in line and '"' not in line and "\n" not in line
