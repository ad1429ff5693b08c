"""The case documents as PDF (reportlab): the 当场行政处罚决定书 and the 现场笔录, in a CJK font found on
the machine, with the party's signature and a QR code of the document's public verify address.

The font is a system file (Debian's fonts-wqy-microhei; CJK_FONT names another): reportlab's own
fonts have no Chinese glyphs, and a missing font must be a clear 503, not a PDF of empty boxes."""

import io
import os
import threading

from reportlab.graphics import renderPDF
from reportlab.graphics.barcode.qr import QrCodeWidget
from reportlab.graphics.shapes import Drawing
from reportlab.lib.pagesizes import A4
from reportlab.lib.utils import ImageReader
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen import canvas

from models.errors import AppError

FONT = "CJK"
FONT_FILES = (
    "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",
    "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc",
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
)
_lock = threading.Lock()
_registered = False


def font_file() -> str | None:
    for path in (os.environ.get("CJK_FONT", ""), *FONT_FILES):
        if path and os.path.isfile(path):
            return path
    return None


def _font() -> str:
    """Register the CJK font once per process (looked for again while it is missing)."""
    global _registered
    with _lock:
        if not _registered:
            path = font_file()
            if path is None:
                raise AppError(503, "document.font_missing",
                               "服务器缺少中文字体（fonts-wqy-microhei），暂不能生成决定书，请联系管理员")
            pdfmetrics.registerFont(TTFont(FONT, path, subfontIndex=0))
            _registered = True
    return FONT


def _wrap(text: str, width: float, size: float) -> list[str]:
    """Lines of at most `width` points: Chinese has no spaces, so break at any character."""
    lines = []
    for paragraph in text.splitlines() or [""]:
        line = ""
        for char in paragraph:
            if pdfmetrics.stringWidth(line + char, FONT, size) > width:
                lines.append(line)
                line = ""
            line += char
        lines.append(line)
    return lines


def _next_page(pdf, font: str, height: float) -> float:
    pdf.showPage()
    pdf.setFont(font, 12)
    return height - 64


NOTICE = ("当事人应当自收到本决定书之日起十五日内缴纳罚款（警告除外）。对本决定不服的，可以在收到本决定书之日起"
          "六十日内依法申请行政复议，或者在六个月内依法提起行政诉讼。")
RECORD_NOTICE = "执法人员已出示执法证件，告知当事人有权陈述、申辩；当事人对本笔录所记载内容有异议的，可以当场提出。"


def render(doc: dict, signature_png: bytes) -> bytes:
    """The 决定书. `doc`: number, party, vehicle, facts, place, observed_at, legal_basis, penalty_text,
    inspector, badge_no, team, service_text, issued_at, verify_url (all plain text)."""
    rows = [
        ("当事人", doc["party"]), ("涉案车辆", doc["vehicle"]), ("违法时间", doc["observed_at"]),
        ("违法地点", doc["place"]), ("违法事实", doc["facts"]), ("法律依据", doc["legal_basis"]),
        ("处罚决定", doc["penalty_text"]), ("告知", NOTICE), ("执法人员", _inspector(doc)),
        ("送达", doc["service_text"]), ("作出时间", doc["issued_at"]),
    ]
    return _document("当场行政处罚决定书", doc["number"], rows, signature_png, doc["verify_url"])


def render_site_record(doc: dict, signature_png: bytes | None) -> bytes:
    """The 现场笔录: what the inspector saw and did, read to the party, who signs it (or refuses:
    `signature_png` None, and the refusal is written where the signature would be). `doc`: number,
    case_number, party, vehicle, observed_at, place, facts, statements, measures, evidence,
    inspector, badge_no, team, issued_at, verify_url."""
    rows = [
        ("案件编号", doc["case_number"]), ("检查时间", doc["observed_at"]), ("检查地点", doc["place"]),
        ("执法人员", _inspector(doc)), ("当事人", doc["party"]), ("涉案车辆", doc["vehicle"]),
        ("现场情况", doc["facts"]), ("当事人陈述", doc["statements"]), ("现场处置措施", doc["measures"]),
        ("现场证据", doc["evidence"]), ("告知", RECORD_NOTICE), ("制作时间", doc["issued_at"]),
    ]
    return _document("现场笔录", doc["number"], rows, signature_png, doc["verify_url"])


def _inspector(doc: dict) -> str:
    return f"{doc['inspector']}（执法证号 {doc['badge_no']}，{doc['team']}）"


def _document(title: str, number: str, rows: list[tuple[str, str]], signature_png: bytes | None, verify_url: str) -> bytes:
    font = _font()
    buf = io.BytesIO()
    pdf = canvas.Canvas(buf, pagesize=A4, invariant=True)  # invariant: no random id, no clock
    pdf.setTitle(f"{title} {number}")
    width, height = A4
    left, right = 56, width - 56
    y = height - 64
    pdf.setFont(font, 20)
    pdf.drawCentredString(width / 2, y, title)
    y -= 26
    pdf.setFont(font, 11)
    pdf.drawCentredString(width / 2, y, f"编号：{number}")
    y -= 30
    for label, text in rows:
        if not text:
            continue
        pdf.setFont(font, 12)
        pdf.drawString(left, y, f"{label}：")
        for line in _wrap(text, right - left - 84, 12):
            if y < 64:  # long facts run onto another page
                y = _next_page(pdf, font, height)
            pdf.drawString(left + 84, y, line)
            y -= 18
        y -= 6
    if y < 200:  # the signature and the QR code stay together
        y = _next_page(pdf, font, height)
    y -= 8
    pdf.drawString(left, y, "当事人签名：")
    if signature_png is None:
        pdf.drawString(left + 84, y, "当事人拒绝签名（执法人员在场记录）")
    else:
        pdf.drawImage(ImageReader(io.BytesIO(signature_png)), left + 84, y - 70, width=200, height=80,
                      preserveAspectRatio=True, anchor="sw", mask="auto")
    qr = QrCodeWidget(verify_url, barLevel="M")
    x0, y0, x1, y1 = qr.getBounds()
    side = 96
    drawing = Drawing(side, side, transform=[side / (x1 - x0), 0, 0, side / (y1 - y0), 0, 0])
    drawing.add(qr)
    renderPDF.draw(drawing, pdf, right - side, y - 80)
    y -= 100
    pdf.setFont(font, 9)
    pdf.drawString(left, y, f"扫码核验：{verify_url}")
    pdf.showPage()
    pdf.save()
    return buf.getvalue()
