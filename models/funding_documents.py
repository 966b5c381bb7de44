"""Documents of the funding ledger: the ledger workbook (经费补助台账, XLSX) of proposals and the printable,
positive 表扬通报 (commendation notice, HTML for A4 printing) of an approved proposal.

Every text cell of the workbook goes through :func:`models.spreadsheet_cells.safe_cell` (formula injection)."""
from __future__ import annotations

import io
from collections.abc import Iterable

from jinja2 import Environment, select_autoescape
from openpyxl import Workbook
from openpyxl.styles import Font

from .clock import fmt_local, utcnow
from .funding import FundingProposal
from .funding_ledger import DECISION_LABELS, RECIPIENT_LABELS, FundingError, status
from .spreadsheet_cells import safe_row

XLSX_MIMETYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
HEAD = ("方案编号", "方案名称", "考核期", "序号", "对象类别", "补助对象", "激励得分", "建议金额（元）", "补助金额（元）",
        "用途", "提出人", "提出时间", "审批状态", "审批人", "审批时间", "审批意见")


def ledger_rows(proposals: Iterable[FundingProposal]) -> list[list]:
    """One row per allocation line, with its proposal and decision."""
    rows = []
    for p in proposals:
        d = p.decisions[-1] if p.decisions else None
        for line in p.lines:
            rows.append([p.code, p.title, p.period_label, line.seq, RECIPIENT_LABELS[line.recipient_kind],
                         line.recipient_name, line.score, line.suggested_yuan, line.amount_yuan, line.purpose,
                         p.proposed_by, fmt_local(p.proposed_at, "%Y-%m-%d %H:%M"), DECISION_LABELS[status(p)],
                         d.actor if d else "", fmt_local(d.at, "%Y-%m-%d %H:%M") if d else "",
                         (d.note or "") if d else ""])
    return rows


def ledger_xlsx(proposals: Iterable[FundingProposal]) -> bytes:
    """The 经费补助台账 workbook."""
    wb = Workbook()
    ws = wb.active
    ws.title = "经费补助台账"
    ws.append(list(HEAD))
    for cell in ws[1]:
        cell.font = Font(bold=True)
    for row in ledger_rows(proposals):
        ws.append(safe_row(row))
    for col, width in zip("ABCDEFGHIJKLMNOP", (14, 24, 12, 6, 10, 24, 10, 14, 14, 28, 12, 17, 10, 12, 17, 24)):
        ws.column_dimensions[col].width = width
    ws.freeze_panes = "A2"
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


_env = Environment(autoescape=select_autoescape(default=True))
_TEMPLATE = _env.from_string("""<!doctype html>
<html lang="zh-CN"><head><meta charset="utf-8"><title>{{ title }}</title>
<style>
  @page { size: A4; margin: 25mm 22mm; }
  body { font-family: "Noto Serif CJK SC", "Source Han Serif SC", "SimSun", "Noto Sans CJK SC", serif;
         color: #111; font-size: 16px; line-height: 1.9; max-width: 170mm; margin: 0 auto; padding: 12px; }
  h1 { color: #b00; text-align: center; font-size: 26px; letter-spacing: 4px; border-bottom: 2px solid #b00;
       padding-bottom: 8px; }
  h2 { text-align: center; font-size: 20px; }
  p { text-indent: 2em; margin: 6px 0; }
  table { width: 100%; border-collapse: collapse; margin: 10px 0; font-size: 14px; }
  th, td { border: 1px solid #555; padding: 4px 8px; text-align: left; }
  th { background: #f2f2f2; }
  td.num { text-align: right; }
  .sign { text-align: right; margin-top: 36px; }
  .toolbar { text-align: right; }
  @media print { .toolbar { display: none; } body { padding: 0; } tr { page-break-inside: avoid; } }
</style></head><body>
<div class="toolbar"><button type="button" onclick="window.print()">打印</button></div>
<h1>{{ issuer }}</h1>
<h2 id="commendation-title">{{ title }}</h2>
<p>{{ period }}，各地各单位认真落实全国文明城市创建工作部署，问题整改及时、成效明显。根据精神文明建设平台考核数据
（方案编号 {{ code }}，评分快照形成于 {{ snapshot_at }}），经研究，决定对以下单位予以通报表扬，并给予创建经费补助，
共计 {{ total }} 元。</p>
<table><thead><tr><th>序号</th><th>对象类别</th><th>受表扬对象</th><th>激励得分</th><th>补助金额（元）</th><th>用途</th></tr></thead>
<tbody>{% for l in lines %}<tr><td>{{ l.seq }}</td><td>{{ l.kind }}</td><td>{{ l.name }}</td><td class="num">{{ l.score }}</td>
<td class="num">{{ l.amount }}</td><td>{{ l.purpose }}</td></tr>{% endfor %}</tbody></table>
<p>希望受表扬的单位珍惜荣誉、再接再厉；各地各单位要以先进为榜样，持续巩固创建成果。</p>
<div class="sign">{{ issuer }}<br>{{ date }}</div>
</body></html>
""")


def commendation_html(p: FundingProposal, issuer: str = "漳州市委文明办") -> str:
    """The printable 表扬通报 of an approved proposal (positive only: names and funds, no ranking of the rest)."""
    if status(p) != "approved":
        raise FundingError(f"proposal {p.code}: a 表扬通报 is issued only for an approved proposal "
                           f"(it is {status(p)}: {DECISION_LABELS[status(p)]})")
    lines = [{"seq": x.seq, "kind": RECIPIENT_LABELS[x.recipient_kind], "name": x.recipient_name,
              "score": "" if x.score is None else f"{x.score:.2f}", "amount": f"{x.amount_yuan:,}",
              "purpose": x.purpose} for x in p.lines]
    return _TEMPLATE.render(issuer=issuer, title=f"关于表扬{p.period_label}精神文明创建工作成效突出单位的通报",
                            period=p.period_label, code=p.code, snapshot_at=fmt_local(p.proposed_at, "%Y-%m-%d %H:%M"),
                            total=f"{p.total_yuan:,}", lines=lines,
                            date=fmt_local(p.decisions[-1].at if p.decisions else utcnow(), "%Y年%m月%d日"))
