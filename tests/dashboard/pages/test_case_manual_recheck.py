"""The case page of a case the camera handed to a person (转人工复核): the reason is shown and the supervisor
can pass it or send it back through the workflow."""
from __future__ import annotations

from sqlalchemy import select

from models.cases import Case
from models.workflow import apply, hand_to_person
from models.clock import utcnow
from tests.dashboard.desktop_helpers import callback_key, dash_call, login


def _page(app, client, code):
    r = dash_call(client, app, callback_key(app, "_pages_content"),
                  {"_pages_location.pathname": f"/cases/{code}", "_pages_location.search": ""})
    assert r.status_code == 200, r.data
    return str(r.get_json()["response"])


def test_manual_recheck_reason_is_on_the_case_page_and_a_supervisor_decides(desk):
    app, seeded = desk
    code = seeded.cases["nq_dispatched"]
    ctx = app.server.config["CIVICWATCH"]
    c = app.server.test_client()
    login(c, "sup1")
    assert "casepage-manual-recheck" not in _page(app, c, code)
    with ctx.sessions.begin() as s:
        case = s.scalar(select(Case).where(Case.code == code))
        apply(s, case, "rectify", actor="南坑街道", actor_role="supervisor", note="已清理")
        hand_to_person(s, case, "连续60次抽样光照与参考图差异过大（如昼夜不同）", utcnow())
    page = _page(app, c, code)
    assert "casepage-manual-recheck" in page and "待人工复核" in page
    assert "光照与参考图差异过大" in page and "请人工复核" in page
    assert "'action': 'verify'" in page and "'action': 'rework'" in page  # 复核通过 / 返工 offered
    with ctx.sessions.begin() as s:
        case = s.scalar(select(Case).where(Case.code == code))
        apply(s, case, "rework", actor="sup1", actor_role="supervisor", note="现场仍有垃圾")
    page = _page(app, c, code)
    assert "casepage-manual-recheck" not in page
