"""UI text of the leaders' page 辅助决策 ``/decisions``: incentive scores (正向激励), the funding proposals and
their approval (经费补助台账)."""
from __future__ import annotations

TITLE = "辅助决策"
NAV = "辅助决策"
PERIOD = "考核年度"
LEVELS = {"unit": "责任单位", "district": "区县"}
SCORES = "激励得分（{period}）"
SCORE_NOTE = ("激励得分 = 基础分（整改率、按期率、1−返工率、指标进度加权）+ 进步加分；"
              "派发不少于 {min_dispatched} 件且到期不少于 {min_due} 件方参与评分。")
SCORE_COLS = ("排名", "名称", "激励得分", "基础分", "较上期", "派发", "整改率%", "按期率%", "返工率%", "指标进度%",
              "本年获补助（元）")
ADVANCED = "先进"
IMPROVED = "进步"
LAGGING = "后进"
NONE_SCORED = "本期暂无达到最低件数要求的对象。"
NOT_ENOUGH = "件数不足"
CLASS_PROGRESS = "创建指标完成度（按创建类别，%）"
CLASS_COLS = ("名称", "文明城市", "文明单位", "文明村镇", "文明校园")
CLASS_EMPTY = "暂无承担创建指标的对象。"

PROPOSE = "提出补助方案"
TOTAL = "补助总额（元）"
SUGGEST = "按得分生成建议"
SUGGEST_EMPTY = "本期没有可补助的先进或进步对象。"
SUGGEST_DONE = "已按得分生成 {n} 条建议，可修改金额与用途后提交。"
PROPOSAL_TITLE = "方案名称"
PROPOSAL_TITLE_DEFAULT = "{period}精神文明创建经费补助方案"
NOTE = "说明"
SUBMIT = "提交方案"
SUBMITTED = "已提交方案 {code}，合计 {total} 元，待领导审批。"
LINE_COLS = {"recipient_name": "补助对象", "kind": "类别", "score": "激励得分", "suggested_yuan": "建议金额（元）",
             "amount_yuan": "补助金额（元）", "purpose": "用途"}

LEDGER = "经费补助台账"
LEDGER_COLS = ("方案编号", "方案名称", "考核期", "合计（元）", "状态", "提出人", "提出时间", "审批人", "审批时间",
               "表扬通报")
LEDGER_EMPTY = "暂无补助方案。"
COMMENDATION = "表扬通报"
XLSX = "下载台账 Excel"

APPROVE = "审批"
PENDING = "待审批方案"
APPROVE_YES = "批准"
APPROVE_NO = "不批准"
APPROVE_NOTE = "审批意见"
DECIDED = "方案 {code} {status}。"
PICK_PENDING = "请选择待审批的方案。"
ERROR = "未能完成：{error}"
FORBIDDEN = "当前角色无此权限。"
