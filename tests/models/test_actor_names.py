"""Issue 18 defect 5: who did it is shown as people read it — display name and unit, 系统自动, 摄像头复核,
市民（随手拍）— on documents; the log keeps the technical actor."""
from __future__ import annotations

from datetime import timedelta

from models.actor_names import ActorNames, evidence_caption, source_kind_label
from models.cases import Evidence
from models.clock import utcnow
from models.documents import document_content
from models.security import add_user
from models.workflow import apply, open_case
from tests.factories import make_registry


def test_names(ctx):
    with ctx.sessions.begin() as s:
        city = make_registry(s)
        add_user(s, "op_nq", "correct-horse-battery", "unit", unit_code="U-XC-NQ", display_name="张强")
        add_user(s, "sup1", "correct-horse-battery", "supervisor", display_name="sup1")  # no real display name
        names = ActorNames(s)
        assert names.name("op_nq", "unit") == "张强（南坑街道办事处）"
        assert names.name("sup1", "supervisor") == "文明办督查员"   # never the login name
        assert names.name("gone_user", "supervisor") == "文明办督查员"
        assert names.name("auto", "system") == "系统自动"
        assert names.name("detection", "system").startswith("系统自动")
        assert names.name("camera", "system") == "摄像头复核"
        assert names.name("随手拍", "citizen") == "市民（随手拍）"
        assert names.name("edge-01", "edge") == "AI边缘设备"
        assert names.name("演示督查员", "supervisor") == "演示督查员"
        assert names.name("registry import") == "台账导入"
        assert evidence_caption("first_sight", 1) == "首次发现 · 照片 1"
        assert source_kind_label("simulated") == "模拟画面（演示）"
        assert city.units


def test_documents_name_people_and_the_camera(ctx):
    now = utcnow()
    with ctx.sessions.begin() as s:
        city = make_registry(s)
        add_user(s, "op_nq", "correct-horse-battery", "unit", unit_code="U-XC-NQ", display_name="张强")
        unit = next(u for u in city.units if u.code == "U-XC-NQ")
        c = open_case(s, source="camera", problem_type=city.type("暴露垃圾"), found_at=now - timedelta(hours=5),
                      actor="detection", actor_role="system", camera=city.cameras[0], point=city.points[0])
        s.add(Evidence(sha256="0" * 64, path="x.jpg", kind="first_sight", case_id=c.id, created_at=now))
        if c.state == "found":
            apply(s, c, "accept", actor="auto", actor_role="system", at=now - timedelta(hours=4.9))
        if c.state == "accepted":
            apply(s, c, "dispatch", actor="auto", actor_role="system", at=now - timedelta(hours=4.8),
                  data={"unit_id": unit.id})
        apply(s, c, "rectify", actor="op_nq", actor_role="unit", actor_unit_id=unit.id, at=now - timedelta(hours=3))
        apply(s, c, "verify", actor="camera", actor_role="system", at=now - timedelta(hours=2))
        apply(s, c, "close", actor="camera", actor_role="system", at=now - timedelta(hours=2))
        s.flush()
        s.refresh(c)
        docs = {k: document_content(s, c, k) for k in ("problem_list", "dispatch", "rectification", "closure")}
    fields = {k: dict(d.fields) for k, d in docs.items()}
    assert fields["dispatch"]["交办人"] == "系统自动"
    assert fields["rectification"]["反馈人"] == "张强（南坑街道办事处）"
    assert fields["closure"]["销号人"] == "摄像头复核"
    assert "摄像头复核" in fields["closure"]["复核方式"]
    everything = " ".join(str(v) for d in docs.values() for row in d.table_rows for v in row)
    for internal in ("detection", "auto", "camera", "op_nq"):
        assert internal not in everything
    assert docs["problem_list"].images[0]["caption"] == "首次发现 · 照片 1"
