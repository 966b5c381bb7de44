"""What each of the four documents says, read from the case's log and evidence (format-neutral)."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..actor_names import ActorNames, evidence_caption
from ..cases import Case, Evidence
from ..clock import as_utc, fmt_local
from ..config import DocumentNames
from ..registry import Camera, District, MonitoringPoint, ProblemType, ResponsibleUnit
from ..workflow.machine import RULES, STATE_LABELS

DOC_KINDS = ("problem_list", "dispatch", "rectification", "closure")
SOURCE_LABELS = {"camera": "视频监控", "citizen": "公众举报（随手拍）", "inspector": "监督员上报",
                 "edge": "AI边缘设备", "assigned": "上级交办"}
# camera evidence of the state before / after rectification (整改前 / 整改后)
BEFORE_KINDS = ("first_sight", "confirmation", "ref_problem", "ref_clean")
AFTER_KINDS = ("rectification", "recheck", "recheck_crop")
REFERENCE_KINDS = ("ref_problem", "ref_clean")
DEADLINE_UNITS = {"hours": "小时", "working_hours": "工作小时", "working_days": "个工作日", "days": "天"}


class DocumentError(ValueError):
    """The document does not exist yet for this case (e.g. no 销号单 before closure)."""


@dataclass
class DocumentContent:
    kind: str
    title: str
    case_code: str
    fields: list[tuple[str, str]] = field(default_factory=list)
    table_title: str | None = None
    table_head: list[str] = field(default_factory=list)
    table_rows: list[list[str]] = field(default_factory=list)
    images: list[dict[str, Any]] = field(default_factory=list)  # {id, kind, url}
    signatures: list[str] = field(default_factory=list)


def _name(session: Session, model, row_id):
    return "" if row_id is None else (session.scalar(select(model.name).where(model.id == row_id)) or "")


def _t(value) -> str:
    return fmt_local(value, "%Y-%m-%d %H:%M") if value else ""


def _hours(a, b) -> str:
    if not a or not b:
        return ""
    return f"{(as_utc(b) - as_utc(a)).total_seconds() / 3600:.1f} 小时"


def document_content(session: Session, case: Case, kind: str, names: DocumentNames | None = None) -> DocumentContent:
    names = names or DocumentNames()
    if kind not in DOC_KINDS:
        raise DocumentError(f"kind: unknown document {kind!r}; expected one of {', '.join(DOC_KINDS)}")
    log = list(case.transitions)
    who = ActorNames(session)

    def actor(t) -> str:
        return who.name(t.actor, t.actor_role)

    by_action: dict[str, list] = {}
    for t in log:
        by_action.setdefault(t.action, []).append(t)
    ptype = session.get(ProblemType, case.problem_type_id)
    point = session.get(MonitoringPoint, case.point_id) if case.point_id else None
    evidence = list(session.scalars(select(Evidence).where(Evidence.case_id == case.id).order_by(Evidence.id)))
    base = [("案件编号", case.code), ("问题类型", f"{ptype.name}（{ptype.major_class}）"),
            ("问题来源", SOURCE_LABELS.get(case.source, case.source)),
            ("所在区县", _name(session, District, case.district_id)),
            ("点位", f"{point.name}（{point.category}）" if point else ""),
            ("当前状态", STATE_LABELS.get(case.state, case.state))]
    title = getattr(names, kind)
    doc = DocumentContent(kind, title, case.code)
    if kind == "problem_list":
        doc.fields = base + [
            ("发现时间", _t(case.found_at)),
            ("前端监控", _name(session, Camera, case.camera_id)),
            ("区域", case.zone or ""), ("地址", (point.address or "") if point else ""),
            ("坐标", f"{case.lon:.6f}, {case.lat:.6f}" if case.lon is not None and case.lat is not None else ""),
            ("问题描述", case.description or ""),
            ("识别置信度", f"{case.score:.2f}" if case.score is not None else ""),
            ("立案时间", _t(case.accepted_at)),
            ("立案方式", next((f"{actor(t)}（{t.note or ''}）" for t in by_action.get("accept", [])), "")),
        ]
        doc.images = [_img(e) for e in evidence if e.kind not in AFTER_KINDS + REFERENCE_KINDS]
        doc.signatures = ["发现人/设备", "立案人"]
    elif kind == "dispatch":
        dispatches = by_action.get("dispatch")
        if not dispatches:
            raise DocumentError(f"{case.code}: no {title} yet: the case has not been dispatched (交办)")
        last = dispatches[-1]
        doc.fields = base + [
            ("责任单位", _name(session, ResponsibleUnit, last.data.get("unit_id"))),
            ("交办时间", _t(last.at)), ("交办人", actor(last)),
            ("处置时限", f"{ptype.deadline_value:g} {DEADLINE_UNITS.get(ptype.deadline_unit, ptype.deadline_unit)}"),
            ("办结期限", _t(case.deadline_at)),
            ("问题描述", case.description or ""), ("交办要求", last.note or "请按期整改并反馈整改情况及照片"),
        ]
        doc.table_title = "交办、退回与延期记录"
        doc.table_head = ["时间", "环节", "办理人", "单位", "期限", "说明"]
        for t in log:
            if t.action in ("dispatch", "return", "request_extension", "approve_extension", "reject_extension",
                            "remind", "escalate", "rework"):
                unit_id = t.data.get("unit_id") or t.data.get("from_unit_id")
                dl = t.data.get("deadline")
                doc.table_rows.append([_t(t.at), RULES[t.action].label, actor(t),
                                       _name(session, ResponsibleUnit, unit_id),
                                       _t(_parse(dl)) if dl else "", t.note or ""])
        doc.images = [_img(e) for e in evidence if e.kind not in AFTER_KINDS + REFERENCE_KINDS][:2]
        doc.signatures = ["交办人", "责任单位签收"]
    elif kind == "rectification":
        reports = by_action.get("rectify")
        if not reports:
            raise DocumentError(f"{case.code}: no {title} yet: the unit has not reported rectification (整改)")
        last = reports[-1]
        doc.fields = base + [
            ("责任单位", _name(session, ResponsibleUnit, case.unit_id)),
            ("交办时间", _t(case.dispatched_at)), ("办结期限", _t(case.deadline_at)),
            ("整改反馈时间", _t(last.at)), ("反馈人", actor(last)), ("整改情况", last.note or ""),
            ("处置用时", _hours(case.dispatched_at, last.at)),
            ("是否按期", _on_time(last.at, case.deadline_at)),
            ("返工次数", str(case.rework_count)),
        ]
        doc.table_title = "整改与复核记录"
        doc.table_head = ["时间", "环节", "办理人", "说明"]
        for t in log:
            if t.action in ("rectify", "verify", "rework"):
                doc.table_rows.append([_t(t.at), RULES[t.action].label, actor(t), t.note or ""])
        attached = {a for t in reports for a in t.data.get("attachments", [])}
        photos = [_img(e, "整改后（责任单位照片）") for e in evidence
                  if e.kind == "rectification" or (e.id in attached and e.kind not in BEFORE_KINDS)]
        doc.images = _before(evidence) + photos + _camera_after(evidence)
        doc.signatures = ["整改责任人", "单位负责人"]
    else:
        closes = by_action.get("close")
        if not closes:
            raise DocumentError(f"{case.code}: no {title} yet: the case is not closed (销号)")
        verify = (by_action.get("verify") or [None])[-1]
        recheck = (verify.data or {}).get("recheck") if verify else None
        doc.fields = base + [
            ("责任单位", _name(session, ResponsibleUnit, case.unit_id)),
            ("发现时间", _t(case.found_at)), ("交办时间", _t(case.dispatched_at)),
            ("整改反馈时间", _t(case.handled_at)), ("复核时间", _t(case.verified_at)),
            ("复核方式", ("摄像机自动复核：连续{clean_run}次抽样无问题".format(**recheck) if recheck
                      else f"人工复核（{actor(verify)}）" if verify else "")),
            ("复核意见", verify.note or "" if verify else ""),
            ("销号时间", _t(case.closed_at)), ("销号人", actor(closes[-1])),
            ("全程用时", _hours(case.found_at, case.closed_at)),
            ("返工次数", str(case.rework_count)), ("延期次数", str(case.extension_count)),
        ]
        doc.table_title = "全程流转记录"
        doc.table_head = ["序号", "时间", "环节", "办理人", "状态", "说明"]
        for t in log:
            doc.table_rows.append([str(t.seq), _t(t.at), RULES[t.action].label, actor(t),
                                   STATE_LABELS.get(t.to_state, t.to_state), t.note or ""])
        photos = [_img(e, "整改后（责任单位照片）") for e in evidence if e.kind == "rectification"][-1:]
        doc.images = _before(evidence) + (_camera_after(evidence) or photos)
        doc.signatures = ["复核人", "销号审核人"]
    doc.images = _captioned(doc.images)
    return doc


def _on_time(at, deadline) -> str:
    if not deadline:
        return ""
    return "按期" if as_utc(at) <= as_utc(deadline) else "超期"


def _parse(value):
    from datetime import datetime

    return datetime.fromisoformat(value)


def _img(e: Evidence, stage: str | None = None) -> dict[str, Any]:
    """One photo; ``stage`` names it where the document says more than its kind (整改前 / 整改后)."""
    return {"id": e.id, "kind": e.kind, "url": f"/api/v1/evidence/{e.id}", "path": e.path, "stage": stage}


def _before(evidence: list[Evidence]) -> list[dict[str, Any]]:
    """整改前: the camera's crop of the problem as confirmed, else the confirmation (or first) picture."""
    for kinds in (("ref_problem",), ("confirmation",), ("first_sight", "citizen", "edge")):
        found = [e for e in evidence if e.kind in kinds]
        if found:
            return [_img(found[-1], "整改前")]
    return []


def _camera_after(evidence: list[Evidence]) -> list[dict[str, Any]]:
    """整改后 as the camera re-check saw it: the latest re-check crop and the frame it was decided on."""
    crops = [e for e in evidence if e.kind == "recheck_crop"][-1:]
    frames = [e for e in evidence if e.kind == "recheck"][-1:]
    return [_img(e, "整改后（摄像机复核）") for e in crops] + [_img(e, "复核画面") for e in frames]


def _captioned(images: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Number the document's photos and caption them in words (整改前 · 照片 1), never "first_sight #1"."""
    for n, img in enumerate(images, 1):
        img["caption"] = evidence_caption(img["kind"], n, img.pop("stage", None))
    return images
