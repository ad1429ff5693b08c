"""What a resident is told for each application event (Simplified Chinese), and the values a
mini-program message template takes from it (the template decides which go where)."""

# type -> (title, body, status phrase: WeChat `phrase` fields take at most 5 Chinese characters)
TEMPLATES = {
    "application.submitted": ("办件已提交", "您的「{item}」申请已提交，办件编号 {number}。", "已提交"),
    "application.accepted": ("办件已受理", "您的「{item}」申请已受理，请留意后续进展。", "已受理"),
    "application.refused": ("办件不予受理", "很抱歉，您的「{item}」申请不予受理，详情请查看办件。", "不予受理"),
    "application.in_review": ("办件审核中", "您的「{item}」申请正在审核。", "审核中"),
    "application.supplement_required": ("请补正材料", "您的「{item}」申请需要补正材料，请尽快处理。", "待补正"),
    "application.resubmitted": ("补正材料已提交", "您为「{item}」补正的材料已提交。", "已补正"),
    "application.approved": ("办件已准予", "您的「{item}」申请已审核通过。", "已准予"),
    "application.denied": ("办件不予批准", "很抱歉，您的「{item}」申请未获批准，详情请查看办件。", "不予批准"),
    "application.withdrawn": ("办件已撤回", "您已撤回「{item}」申请。", "已撤回"),
    "application.completed": ("办件已办结", "您的「{item}」已办结，可在办件详情中查看结果。", "已办结"),
    "task.assigned": ("新的勤务任务", "您有新的勤务任务：{item}（任务 {number}），请尽快前往处置。", "待处置"),
}
FALLBACK = ("办件状态更新", "您的「{item}」有新的进展。", "有更新")
HINTS = {"application.supplement_required": "请在办件详情中补正材料"}  # the next step, when there is one
DEFAULT_HINT = "点击查看办件详情"


def render(event: dict) -> tuple[str, str, str]:
    title, body, phrase = TEMPLATES.get(event["type"], FALLBACK)
    return title, body.format(item=event["item_name"], number=event["number"]), phrase


def fit(text: str, limit: int) -> str:
    """Shorten free text to a `thing` field's length."""
    return text if len(text) <= limit else text[: limit - 1] + "…"


def values(note: dict) -> dict:
    """An event's fields as a message template's keys take them (models/message_templates SOURCES)."""
    return {"item_name": note["item_name"], "number": note["number"], "status": note["phrase"],
            "title": note["title"], "body": note["body"], "time": note["at"],
            "remark": HINTS.get(note["type"], DEFAULT_HINT)}
