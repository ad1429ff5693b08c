"""What a resident is told for each application event (Simplified Chinese)."""

TEMPLATES = {
    "application.submitted": ("办件已提交", "您的「{item}」申请已提交，办件编号 {number}。"),
    "application.accepted": ("办件已受理", "您的「{item}」申请已受理，请留意后续进展。"),
    "application.refused": ("办件不予受理", "很抱歉，您的「{item}」申请不予受理，详情请查看办件。"),
    "application.in_review": ("办件审核中", "您的「{item}」申请正在审核。"),
    "application.supplement_required": ("请补正材料", "您的「{item}」申请需要补正材料，请尽快处理。"),
    "application.resubmitted": ("补正材料已提交", "您为「{item}」补正的材料已提交。"),
    "application.approved": ("办件已准予", "您的「{item}」申请已审核通过。"),
    "application.denied": ("办件不予批准", "很抱歉，您的「{item}」申请未获批准，详情请查看办件。"),
    "application.withdrawn": ("办件已撤回", "您已撤回「{item}」申请。"),
    "application.completed": ("办件已办结", "您的「{item}」已办结，可在办件详情中查看结果。"),
}


def render(event: dict) -> tuple[str, str]:
    title, body = TEMPLATES.get(event["type"], ("办件状态更新", "您的「{item}」有新的进展。"))
    return title, body.format(item=event["item_name"], number=event["number"])
