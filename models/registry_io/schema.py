"""The registry file format: one table per file (or per workbook sheet), its columns and their rules.

Lists of plain values are ``;``-separated (``unit_codes = U-1;U-2``); structured values (camera zones,
problem-type parameters) are JSON. References between tables use codes (districts use their adcode).
"""
from __future__ import annotations

from dataclasses import dataclass, field

from ..indicator_measures import AUTO_RULES

# Domain vocabularies (see CONTRIBUTING.md and shared/DOMAIN.md).
DISTRICT_KINDS = ("urban_district", "county", "county_city")
UNIT_KINDS = ("city_bureau", "district", "street_office", "enterprise")
POINT_CATEGORIES = (
    "主次干道", "商业大街", "背街小巷", "农贸市场", "集贸市场", "公园广场", "车站", "医院", "中小学校及周边",
    "老旧小区", "居民小区", "建筑工地", "政务服务中心", "文化场馆", "图书馆", "爱国主义教育基地", "宾馆饭店", "网吧",
)
SOURCE_KINDS = ("rtsp", "http_snapshot", "mjpeg", "file", "folder", "simulated")
CREATION_CLASSES = ("文明城市", "文明单位", "文明村镇", "文明校园")
MAJOR_CLASSES = ("市容环境", "宣传广告", "街面秩序", "施工管理", "突发事件")
ZONE_KINDS = (
    "roadway", "sidewalk", "no_parking", "fire_lane", "shop_front", "wall", "green_space", "water", "plaza",
    "construction", "mask",
)
CONTACT_ROLES = ("contact", "leader", "duty")  # 联络员, 分管领导, 值班 (models.notifications.UnitContact)
SIGNALS = ("stationary_object", "wall_change", "crowd")  # plus "onnx:<class>"
DEADLINE_UNITS = ("hours", "working_hours", "working_days", "days")

LON_RANGE = (115.0, 119.0)  # generous box around Zhangzhou (GCJ-02)
LAT_RANGE = (23.0, 26.0)


@dataclass(frozen=True)
class Column:
    """One column of a registry table.

    ``kind``: ``str``, ``float``, ``int``, ``bool``, ``list`` (``;``-separated text), ``json``.
    ``ref``: the table whose key a value (or each list item) must name.
    """

    name: str
    kind: str = "str"
    required: bool = True
    max_len: int | None = None
    lo: float | None = None
    hi: float | None = None
    lo_open: bool = False  # True: value must be > lo (not >=)
    choices: tuple[str, ...] | None = None
    ref: str | None = None
    default: object = None
    pattern: str | None = None  # regular expression a text value must match (fullmatch)
    pattern_help: str = ""


@dataclass(frozen=True)
class Table:
    """A registry table as it appears in a file: base name, key column and columns in file order."""

    name: str
    key: str | tuple[str, ...]
    columns: tuple[Column, ...]
    optional_file: bool = False
    label: str = ""

    def column(self, name: str) -> Column:
        return next(c for c in self.columns if c.name == name)

    @property
    def column_names(self) -> list[str]:
        return [c.name for c in self.columns]


HOURS_PATTERN = r"([01]\d|2[0-3]):[0-5]\d-([01]\d|2[0-4]):[0-5]\d"

TABLES: tuple[Table, ...] = (
    Table("districts", "adcode", (
        Column("adcode", max_len=12, pattern=r"\d{6}", pattern_help="a 6-digit administrative code"),
        Column("name", max_len=40),
        Column("kind", choices=DISTRICT_KINDS),
        Column("lon", "float", lo=LON_RANGE[0], hi=LON_RANGE[1]),
        Column("lat", "float", lo=LAT_RANGE[0], hi=LAT_RANGE[1]),
    ), label="区县"),
    Table("units", "code", (
        Column("code", max_len=32),
        Column("name", max_len=80),
        Column("kind", choices=UNIT_KINDS),
        Column("parent_code", required=False, max_len=32, ref="units"),
        Column("district_adcode", required=False, max_len=12, ref="districts"),
        Column("contact_name", required=False, max_len=40),
        Column("contact_phone", required=False, max_len=40),
    ), label="责任单位"),
    Table("points", "code", (
        Column("code", max_len=32),
        Column("name", max_len=80),
        Column("category", choices=POINT_CATEGORIES),
        Column("district_adcode", max_len=12, ref="districts"),
        Column("address", required=False, max_len=120),
        Column("lon", "float", lo=LON_RANGE[0], hi=LON_RANGE[1]),
        Column("lat", "float", lo=LAT_RANGE[0], hi=LAT_RANGE[1]),
        Column("unit_codes", "list", ref="units"),
    ), label="点位"),
    Table("cameras", "code", (
        Column("code", max_len=32),
        Column("name", max_len=80),
        Column("point_code", max_len=32, ref="points"),
        Column("source_kind", required=False, choices=SOURCE_KINDS, default="simulated"),
        Column("source_url", required=False, max_len=500),
        Column("sample_every_s", "float", required=False, lo=0, lo_open=True, hi=3600, default=2.0),
        Column("enabled", "bool", required=False, default=True),
        Column("zones", "json", required=False, default=()),
    ), label="前端监控"),
    Table("indicators", "code", (
        Column("code", max_len=32),
        Column("name", max_len=120),
        Column("creation_class", choices=CREATION_CLASSES),
        Column("category", max_len=40),
        Column("subcategory", required=False, max_len=60),
        Column("target", "float", lo=0, hi=1e9),
        Column("measure", required=False, max_len=20),
        Column("description", required=False, max_len=2000),
        Column("auto_rule", required=False, choices=tuple(AUTO_RULES)),
        Column("auto_days", "int", required=False, lo=1, hi=3650),
    ), label="创建指标"),
    Table("indicator_assignments", ("indicator_code", "unit_code"), (
        Column("indicator_code", max_len=32, ref="indicators"),
        Column("unit_code", max_len=32, ref="units"),
        Column("target", "float", required=False, lo=0, hi=1e9),
        Column("progress", "float", required=False, lo=0, hi=1e9, default=0.0),
        Column("evidence", required=False, max_len=2000),
    ), optional_file=True, label="指标分解"),
    Table("problem_types", "code", (
        Column("code", max_len=32),
        Column("name", max_len=40),
        Column("major_class", choices=MAJOR_CLASSES),
        Column("camera_visible", "bool"),
        Column("signals", "list", required=False, default=()),
        Column("zone_kinds", "list", required=False, choices=ZONE_KINDS, default=()),
        Column("dwell_s", "float", lo=0, hi=7 * 86400),
        Column("active_hours", required=False, max_len=40, pattern=HOURS_PATTERN,
               pattern_help="HH:MM-HH:MM (e.g. 07:00-22:00; may cross midnight) or empty for always"),
        Column("confirm_frames", "int", lo=1, hi=1000),
        Column("dedup_window_s", "float", lo=0, hi=30 * 86400),
        Column("dedup_radius_m", "float", lo=0, hi=100000),
        Column("severity", "int", lo=1, hi=3),
        Column("deadline_value", "float", lo=0, lo_open=True, hi=10000),
        Column("deadline_unit", choices=DEADLINE_UNITS),
        Column("auto_accept", "bool"),
        Column("default_unit_code", required=False, max_len=32, ref="units"),
        Column("indicator_codes", "list", required=False, ref="indicators", default=()),
        Column("params", "json", required=False, default=None),
        Column("description", required=False, max_len=2000),
    ), label="问题类型"),
    Table("routing_rules", ("problem_type_code", "district_adcode", "point_code"), (
        Column("problem_type_code", max_len=32, ref="problem_types"),
        Column("district_adcode", required=False, max_len=12, ref="districts"),
        Column("point_code", required=False, max_len=32, ref="points"),
        Column("unit_code", max_len=32, ref="units"),
    ), optional_file=True, label="派遣规则"),
    Table("unit_contacts", ("unit_code", "role", "channel", "address"), (
        Column("unit_code", max_len=32, ref="units"),
        Column("role", choices=CONTACT_ROLES),
        Column("name", required=False, max_len=40),
        Column("channel", max_len=40),
        Column("address", required=False, max_len=200, default=""),
    ), optional_file=True, label="单位联系人"),
)

TABLES_BY_NAME = {t.name: t for t in TABLES}


@dataclass
class ParsedTable:
    """Parsed rows of one table: ``rows`` are ``(row_number, values)`` with typed values."""

    table: Table
    label: str  # how the source is named in messages, e.g. "points.csv" or "registry.xlsx sheet points"
    rows: list[tuple[int, dict[str, object]]] = field(default_factory=list)
    present: bool = True  # False: an optional file that was not given (its table is then left as it is)
