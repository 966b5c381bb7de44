"""The unit task page (/tasks): rectification with a validated photo, extension, return; own unit only."""
from __future__ import annotations

import base64
import io

from PIL import Image
from sqlalchemy import select

from models.cases import Case, Evidence
from models.images import evidence_root
from tests.dashboard.desktop_helpers import callback_key, dash_call, login


def _photo(fmt="JPEG") -> str:
    img = Image.new("RGB", (80, 40), (30, 160, 30))
    exif = Image.Exif()
    exif[0x0112] = 6  # rotate on display
    exif[0x010F] = "SecretPhone"
    out = io.BytesIO()
    img.save(out, format=fmt, **({"exif": exif.tobytes()} if fmt == "JPEG" else {}))
    return f"data:image/{fmt.lower()};base64," + base64.b64encode(out.getvalue()).decode()


def _submit(app, client, code, mode, note, photo=None, hours=None):
    key = callback_key(app, "tasks-location")  # the submit (another callback clears tasks-result)
    r = dash_call(client, app, key, {"tasks-submit.n_clicks": 1},
                  {"tasks-case.value": code, "tasks-mode.value": mode, "tasks-note.value": note,
                   "tasks-photo.contents": photo, "tasks-hours.value": hours})
    assert r.status_code == 200, r.data
    return r.get_json()["response"]


def test_rectification_with_photo_stores_clean_evidence(desk):
    app, seeded = desk
    ctx = app.server.config["CIVICWATCH"]
    code = seeded.cases["nq_dispatched"]
    c = app.server.test_client()
    login(c, "op_nq")
    resp = _submit(app, c, code, "rectify", "已清理完毕", photo=_photo())
    assert resp["tasks-location"]["href"] == f"/tasks?done=rectify&code={code}"
    with ctx.sessions() as s:
        case = s.scalar(select(Case).where(Case.code == code))
        assert case.state == "rectified" and case.handled_at is not None
        ev = s.scalar(select(Evidence).where(Evidence.case_id == case.id))
        assert ev.kind == "rectification" and (ev.width, ev.height) == (40, 80)
        t = case.transitions[-1]
        assert (t.action, t.actor, t.actor_role, t.note) == ("rectify", "op_nq", "unit", "已清理完毕")
        assert t.data["attachments"] == [ev.id]
        stored = evidence_root(ctx.config) / ev.path
    with Image.open(stored) as img:
        assert img.format == "JPEG" and not img.getexif()
    # the supervisor sees the photo through the evidence route; another unit does not
    sup = app.server.test_client()
    login(sup, "sup1")
    assert sup.get(f"/api/v1/evidence/{ev.id}").status_code == 200
    other = app.server.test_client()
    login(other, "op_lw")
    assert other.get(f"/api/v1/evidence/{ev.id}").status_code == 403


def test_rectification_needs_note_and_valid_photo(desk):
    app, seeded = desk
    ctx = app.server.config["CIVICWATCH"]
    code = seeded.cases["nq_dispatched"]
    c = app.server.test_client()
    login(c, "op_nq")
    assert "请上传" in str(_submit(app, c, code, "rectify", "done")["tasks-result"]["children"])
    assert "请填写整改说明" in str(_submit(app, c, code, "rectify", "", photo=_photo())["tasks-result"]["children"])
    fake = "data:image/jpeg;base64," + base64.b64encode(b"<script>alert(1)</script>").decode()
    assert "无法识别为图片" in str(_submit(app, c, code, "rectify", "done", photo=fake)["tasks-result"]["children"])
    with ctx.sessions() as s:
        assert s.scalar(select(Case).where(Case.code == code)).state == "dispatched"
        assert s.scalars(select(Evidence)).all() == []


def test_extension_and_return(desk):
    app, seeded = desk
    ctx = app.server.config["CIVICWATCH"]
    c = app.server.test_client()
    login(c, "op_nq")
    overdue = seeded.cases["nq_overdue"]
    assert "必须填写理由" in str(_submit(app, c, overdue, "request_extension", "", hours=48)["tasks-result"]["children"])
    resp = _submit(app, c, overdue, "request_extension", "需要协调城管", hours=48)
    assert resp["tasks-location"]["href"].startswith("/tasks?done=request_extension")
    other = seeded.cases["nq_dispatched"]
    resp = _submit(app, c, other, "return", "该路段属龙文区")
    assert "tasks-location" in resp
    with ctx.sessions() as s:
        ext = s.scalar(select(Case).where(Case.code == overdue))
        assert ext.transitions[-1].action == "request_extension" and ext.transitions[-1].data["deadline"]
        ret = s.scalar(select(Case).where(Case.code == other))
        assert ret.state == "accepted" and ret.unit_id is None and ret.return_count == 1


def test_operator_cannot_act_on_another_units_case(desk):
    app, seeded = desk
    ctx = app.server.config["CIVICWATCH"]
    c = app.server.test_client()
    login(c, "op_nq")
    code = seeded.cases["lw_dispatched"]
    resp = _submit(app, c, code, "rectify", "x", photo=_photo())
    assert "没有权限" in str(resp["tasks-result"]["children"])
    with ctx.sessions() as s:
        assert s.scalar(select(Case).where(Case.code == code)).state == "dispatched"
    # the list shows only the operator's own unit, overdue first
    r = dash_call(c, app, callback_key(app, "tasks-list"), {"tasks-tick.n_intervals": 1})
    body = str(r.get_json()["response"]["tasks-list"]["children"])
    assert code not in body
    assert body.index(seeded.cases["nq_overdue"]) < body.index(seeded.cases["nq_dispatched"])
    assert "已超期" in body and "剩余" in body
