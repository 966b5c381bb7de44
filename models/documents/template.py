"""The HTML print view of a document (Jinja2; A4 print CSS, CJK fonts of the reader's system)."""

TEMPLATE = """<!doctype html>
<html lang="zh-CN"><head><meta charset="utf-8">
<title>{{ doc.title }} · {{ doc.case_code }}</title>
<style>
  @page { size: A4; margin: 18mm 16mm; }
  body { font-family: "Noto Sans CJK SC", "Source Han Sans SC", "Microsoft YaHei", "PingFang SC", sans-serif;
         color: #111; font-size: 14px; margin: 0 auto; max-width: 180mm; padding: 12px; }
  h1 { text-align: center; font-size: 24px; letter-spacing: 8px; margin: 8px 0 4px; }
  .sub { display: flex; justify-content: space-between; font-size: 12px; color: #444; margin-bottom: 10px; }
  table { width: 100%; border-collapse: collapse; margin-bottom: 14px; }
  th, td { border: 1px solid #555; padding: 6px 8px; vertical-align: top; text-align: left; }
  table.fields th { width: 24%; background: #f2f2f2; font-weight: 600; white-space: nowrap; }
  table.log th { background: #f2f2f2; }
  h2 { font-size: 15px; margin: 14px 0 6px; }
  .images { display: flex; flex-wrap: wrap; gap: 8px; }
  .images figure { margin: 0; width: 48%; }
  .images img { width: 100%; border: 1px solid #999; }
  .images figcaption { font-size: 12px; color: #444; }
  .signatures { display: flex; justify-content: space-between; margin-top: 36px; }
  .signatures div { width: 45%; border-top: 1px solid #333; padding-top: 4px; }
  .toolbar { text-align: right; margin-bottom: 8px; }
  @media print { .toolbar { display: none; } body { padding: 0; } tr, figure { page-break-inside: avoid; } }
</style></head>
<body>
<div class="toolbar"><button type="button" onclick="window.print()">打印</button></div>
<h1>{{ doc.title }}</h1>
<div class="sub"><span>案件编号：{{ doc.case_code }}</span><span>打印时间：{{ printed_at }}</span></div>
<table class="fields">
{% for label, value in doc.fields %}<tr><th scope="row">{{ label }}</th><td>{{ value }}</td></tr>
{% endfor %}</table>
{% if doc.table_head %}<h2>{{ doc.table_title }}</h2>
<table class="log"><thead><tr>{% for h in doc.table_head %}<th scope="col">{{ h }}</th>{% endfor %}</tr></thead>
<tbody>{% for row in doc.table_rows %}<tr>{% for v in row %}<td>{{ v }}</td>{% endfor %}</tr>{% endfor %}</tbody></table>
{% endif %}
{% if doc.images %}<h2>证据图片</h2><div class="images">
{% for img in doc.images %}<figure><img src="{{ img.url }}" alt="证据图片 {{ img.caption }}"><figcaption>{{ img.caption }}</figcaption></figure>
{% endfor %}</div>{% endif %}
<div class="signatures">{% for who in doc.signatures %}<div>{{ who }}（签字）：</div>{% endfor %}</div>
</body></html>
"""
