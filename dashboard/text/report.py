"""UI text of 随手拍 (the public report form and status page) and of the public intake APIs."""

TITLE = "随手拍"
SUBTITLE = "发现不文明现象，拍照上报，共建文明漳州"
PAGE_TITLE = "随手拍 · 漳州精神文明建设平台"

PHOTOS = "现场照片（最多 3 张）"
PHOTOS_HINT = "可直接拍照或从相册选择；照片带有位置信息时自动使用照片位置。照片会去除拍摄信息后保存。"
PHOTO_BUTTON = "拍照 / 选择照片"
TYPE = "问题类型"
TYPE_PLACEHOLDER = "搜索或选择问题类型，如：暴露垃圾"
LOCATION = "问题位置"
LOCATE_ME = "使用我的位置"
LOCATING = "正在定位…"
LOCATED = "已使用浏览器定位"
LOCATE_FAILED = "无法获取定位，请在地图上点选问题位置"
MAP_HINT = "也可以在下方地图上点选问题位置"
MAP_PICKED = "已在地图上选定位置"
NO_LOCATION = "尚未选定位置（带位置信息的照片可免选）"
DESCRIPTION = "问题描述"
DESCRIPTION_PLACEHOLDER = "简要描述问题，如：胜利路 88 号门前垃圾堆放两天未清理"
PHONE = "联系电话（选填，仅用于回访，不会公开）"
PHONE_PLACEHOLDER = "11 位手机号"
NOTIFY_CONSENT = "受理和办结时短信告知我（需填写手机号）"
SUBMIT = "提交"
SUBMITTING = "正在提交，请稍候…"
PRIVACY = "您的电话号码只有文明办工作人员可见；举报进度可凭查询码在本页查看。"

DUPLICATE = "已有人反映，可关注该问题"
DUPLICATE_FOLLOW = "关注该问题（{code}，约 {d:.0f} 米，{status}）"
DUPLICATE_STILL = "如果不是同一问题，仍可继续提交。"

THANKS = "提交成功，感谢您的参与！"
TRACKING = "查询码"
TRACKING_HINT = "请记下查询码，可随时查看处理进度："
VIEW_STATUS = "查看处理进度"

STATUS_TITLE = "举报处理进度"
STATUS_NOT_FOUND = "未找到该查询码对应的举报，请核对后重试。"
STATUS_LABEL = "当前状态"
STATUS_TYPE = "问题类型"
STATUS_DISTRICT = "所在区县"
STATUS_SUBMITTED = "提交时间"
STATUS_UPDATED = "最近更新"
STATUS_EXPECTED = "预计办结"
STATUS_REASON = "不予受理原因"
STATUS_DESCRIPTION = "问题描述"
STATUS_PHOTOS = "已上传照片 {n} 张"
STATUS_STEPS = "办理过程"
STATUS_LOOKUP = "输入查询码查询"
STATUS_LOOKUP_BUTTON = "查询"
NEW_REPORT = "我要随手拍"
STATUS_EXPLAIN = {
    "received": "您的举报已受理，正在核实。",
    "in_progress": "问题已立案，正在由责任单位处理。",
    "fixed": "问题已整改并复核通过，已销号。感谢您的监督！",
    "not_accepted": "经核实，该举报不予受理。",
}

# errors of the APIs and the form
TOO_MANY_PHOTOS = "最多上传 {n} 张照片"
BODY_TOO_LARGE = "提交的内容过大：每张照片不超过 10 MB，最多 3 张"
NEED_FORM = "请以表单（multipart/form-data）方式提交"
NETWORK_ERROR = "网络异常，提交未完成，请稍后重试"
BAD_CHARACTER = "{field}：含有无效字符（NUL），请删除后重新提交"
