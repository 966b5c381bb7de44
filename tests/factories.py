"""Test data builders: a small, complete registry made in code (fixtures make data, never reach the network).

``make_registry(session)`` returns a :class:`MiniCity` with 2 districts, 4 units, 3 points, 4 cameras (one
point has two), 3 indicators and 4 problem types, zones on every camera.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy.orm import Session

from models.registry import (
    Camera, District, Indicator, IndicatorAssignment, MonitoringPoint, ProblemType, ResponsibleUnit, RoutingRule,
)

STREET_ZONES = [
    {"name": "人行道", "kind": "sidewalk", "polygon": [[0.0, 0.55], [1.0, 0.55], [1.0, 0.75], [0.0, 0.75]]},
    {"name": "机动车道", "kind": "roadway", "polygon": [[0.0, 0.75], [1.0, 0.75], [1.0, 1.0], [0.0, 1.0]]},
    {"name": "店前区域", "kind": "shop_front", "polygon": [[0.0, 0.45], [1.0, 0.45], [1.0, 0.55], [0.0, 0.55]]},
    {"name": "墙面", "kind": "wall", "polygon": [[0.0, 0.05], [1.0, 0.05], [1.0, 0.45], [0.0, 0.45]]},
]


@dataclass
class MiniCity:
    districts: list[District] = field(default_factory=list)
    units: list[ResponsibleUnit] = field(default_factory=list)
    points: list[MonitoringPoint] = field(default_factory=list)
    cameras: list[Camera] = field(default_factory=list)
    indicators: list[Indicator] = field(default_factory=list)
    problem_types: list[ProblemType] = field(default_factory=list)

    def type(self, name: str) -> ProblemType:
        return next(t for t in self.problem_types if t.name == name or t.code == name)


def make_registry(session: Session) -> MiniCity:
    """Add a small registry to ``session`` (flushed, not committed) and return it."""
    c = MiniCity()
    xc = District(adcode="350602", name="芗城区", kind="urban_district", lon=117.65, lat=24.51)
    lw = District(adcode="350603", name="龙文区", kind="urban_district", lon=117.71, lat=24.50)
    c.districts = [xc, lw]
    session.add_all(c.districts)
    session.flush()
    city = ResponsibleUnit(code="U-CGJ", name="市城市管理局", kind="city_bureau")
    session.add(city)
    session.flush()
    xc_gov = ResponsibleUnit(code="U-XC", name="芗城区人民政府", kind="district", district_id=xc.id, parent_id=city.id)
    session.add(xc_gov)
    session.flush()
    street = ResponsibleUnit(code="U-XC-NQ", name="南坑街道办事处", kind="street_office", district_id=xc.id,
                             parent_id=xc_gov.id, contact_name="张三", contact_phone="0596-0000001")
    lw_gov = ResponsibleUnit(code="U-LW", name="龙文区人民政府", kind="district", district_id=lw.id, parent_id=city.id)
    c.units = [city, xc_gov, street, lw_gov]
    session.add_all([street, lw_gov])
    session.flush()
    c.points = [
        MonitoringPoint(code="P-001", name="胜利路", category="主次干道", district_id=xc.id, lon=117.652, lat=24.512,
                        units=[street]),
        MonitoringPoint(code="P-002", name="南昌路农贸市场", category="农贸市场", district_id=xc.id, lon=117.647,
                        lat=24.508, units=[street]),
        MonitoringPoint(code="P-003", name="碧湖公园", category="公园广场", district_id=lw.id, lon=117.705, lat=24.505,
                        units=[lw_gov]),
    ]
    session.add_all(c.points)
    session.flush()
    for i, (point, n) in enumerate([(c.points[0], 1), (c.points[0], 2), (c.points[1], 1), (c.points[2], 1)]):
        c.cameras.append(Camera(code=f"CAM-{i + 1:04d}", name=f"{point.name}{n}号", point_id=point.id,
                                source_kind="simulated", sample_every_s=2.0, zones=[dict(z) for z in STREET_ZONES],
                                enabled=True, health="unknown"))
    session.add_all(c.cameras)
    c.indicators = [
        Indicator(code="IND-001", name="主次干道整洁有序", creation_class="文明城市", category="城市管理", target=95.0,
                  measure="%"),
        Indicator(code="IND-002", name="农贸市场管理规范", creation_class="文明城市", category="城市管理", target=90.0,
                  measure="%"),
        Indicator(code="IND-003", name="校园周边环境整治", creation_class="文明校园", category="校园环境", target=100.0,
                  measure="%"),
    ]
    session.add_all(c.indicators)
    session.flush()
    session.add_all([IndicatorAssignment(indicator_id=c.indicators[0].id, unit_id=street.id, progress=60.0),
                     IndicatorAssignment(indicator_id=c.indicators[1].id, unit_id=street.id, progress=40.0)])
    spec = [
        ("PT01", "暴露垃圾", "市容环境", ["stationary_object"], ["sidewalk", "green_space"], 120, None, 4, "working_hours"),
        ("PT02", "占道经营", "街面秩序", ["stationary_object"], ["sidewalk", "shop_front"], 300, "07:00-22:00", 2, "hours"),
        ("PT03", "违规悬挂横幅", "宣传广告", ["wall_change"], ["wall"], 60, None, 24, "hours"),
        ("PT04", "不文明养宠", "街面秩序", [], [], 0, None, 3, "working_days"),
    ]
    for code, name, cls, signals, kinds, dwell, hours, dl, unit in spec:
        c.problem_types.append(ProblemType(
            code=code, name=name, major_class=cls, camera_visible=bool(signals), signals=signals, zone_kinds=kinds,
            dwell_s=dwell, active_hours=hours, confirm_frames=3, dedup_window_s=3600, dedup_radius_m=50, severity=2,
            deadline_value=dl, deadline_unit=unit, auto_accept=bool(signals), default_unit_id=city.id, params={},
            indicators=[c.indicators[0]],
        ))
    session.add_all(c.problem_types)
    session.flush()
    session.add(RoutingRule(problem_type_id=c.problem_types[0].id, district_id=xc.id, unit_id=street.id))
    session.flush()
    return c
