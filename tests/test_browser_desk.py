"""The processors' workbench in Debian's chromium: a processor finds an application in the queue
(due date in working days), claims it, reveals a sensitive answer, views a material, asks for a
补正 naming the material; the resident supplements through the API; the processor reviews,
approves and completes with a result file. A second processor sees the claim and cannot act: the
server's 409 is explained in words. A PDF material is drawn by pdf.js page by page (fetched only
when a PDF is opened); a corrupt one is explained; a scan in JPEG 2000 is decoded (pdf.js's WebAssembly
decoders) and a Latin font the file names but does not embed is drawn (pdf.js's standard fonts).
Screenshots under test-artifacts/ (desk-*.png)."""

import io
import struct
import uuid

import test_browser_console as console
from PIL import Image, ImageDraw
from playwright.async_api import TimeoutError as PlaywrightTimeout
from reportlab.lib.pagesizes import A4
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.pdfgen import canvas

from support import FORM, applicant_token, submit, upload_photo

pytestmark = console.pytestmark
page = console.page  # the console's browser fixture, chromium against this server
login, shot = console.login, console.shot

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"  # accepted as a PDF upload, but no document inside
# Dark pixels on the viewer's canvas: the page was drawn, not left blank.
INKED = """() => {
  const c = document.querySelector('.viewer-pages canvas');
  if (!c || !c.width) return false;
  const px = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
  let dark = 0;
  for (let i = 0; i < px.length; i += 4) if (px[i] < 100 && px[i + 3] > 0) dark += 1;
  return dark > 500;
}"""


def pdf_pages(count: int) -> bytes:
    """A real PDF of `count` pages: Chinese in a font it does not embed (宋体 by name, as from office
    software; drawing it needs pdf.js's CMaps), and from page 2 on a black square placed by the page."""
    pdfmetrics.registerFont(UnicodeCIDFont("STSong-Light"))
    out = io.BytesIO()
    pdf = canvas.Canvas(out, pagesize=A4, invariant=True)
    for n in range(1, count + 1):
        pdf.setFont("STSong-Light", 48)
        for y in (720, 640, 560):
            pdf.drawString(60, y, f"第{n}页 居民身份证")
        if n > 1:
            pdf.rect(72, 100 + 40 * n, 200, 200, fill=1)
        pdf.showPage()
    pdf.save()
    return out.getvalue()


def pdf_of(page: bytes, *objects: bytes) -> bytes:
    """A one-page PDF written by hand: objects 1-3 are the catalog, the page tree and `page` (a page
    dictionary's body, without /Type and /Parent); `objects` are numbered from 4 on. Streams as given."""
    bodies = [b"<</Type /Catalog /Pages 2 0 R>>", b"<</Type /Pages /Kids [3 0 R] /Count 1>>",
              b"<</Type /Page /Parent 2 0 R " + page + b">>", *objects]
    out = bytearray(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(bodies, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(bodies) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<</Size %d /Root 1 0 R>>\nstartxref\n%d\n%%%%EOF\n" % (len(bodies) + 1, xref)
    return bytes(out)


def stream(data: bytes, entries: bytes = b"") -> bytes:
    return b"<<" + entries + b" /Length %d>>\nstream\n" % len(data) + data + b"\nendstream"


SCAN_RED = (200, 30, 30)
# The canvas's colours at points the scan covers (the page's middle two thirds), and one outside it.
PIXELS = """c => [[0.3, 0.3], [0.5, 0.5], [0.7, 0.7], [0.05, 0.05]].map(([x, y]) =>
  Array.from(c.getContext('2d').getImageData(Math.floor(c.width * x), Math.floor(c.height * y), 1, 1).data))"""


def jpx_scan() -> bytes:
    """A page whose only content is a 64 x 64 JPEG 2000 image (JPXDecode, as scanners write them) of
    a solid red, drawn 200 pt square at (50, 50) on a 300 pt page: only pdf.js's wasm decodes it."""
    jp2 = io.BytesIO()
    Image.new("RGB", (64, 64), SCAN_RED).save(jp2, "JPEG2000")
    image = stream(jp2.getvalue(), b"/Type /XObject /Subtype /Image /Width 64 /Height 64 /ColorSpace /DeviceRGB"
                                   b" /BitsPerComponent 8 /Filter /JPXDecode")
    return pdf_of(b"/MediaBox [0 0 300 300] /Resources <</XObject <</Im0 4 0 R>>>> /Contents 5 0 R",
                  image, stream(b"q 200 0 0 200 50 50 cm /Im0 Do Q"))


def segment(number: int, kind: int, data: bytes) -> bytes:
    """A JBIG2 segment (T.88 7.2): no referred-to segments, on page 1."""
    return struct.pack(">IBBBI", number, kind, 0, 1, len(data)) + data


def jbig2_scan() -> bytes:
    """A page whose only content is a 64 x 64 black-and-white JBIG2 image (JBIG2Decode, as office
    scanners write them) of a black square on white, the middle half, drawn 200 pt square at (50, 50)
    on a 300 pt page. The square is coded with MMR (CCITT G4, here from libtiff through Pillow), in a
    generic region of an embedded stream: only pdf.js's wasm (or its JS fallback) decodes it."""
    bits = Image.new("1", (64, 64), 0)  # G4 codes 1 as black; JBIG2 too
    ImageDraw.Draw(bits).rectangle([16, 16, 47, 47], fill=1)
    tiff = io.BytesIO()
    bits.save(tiff, "TIFF", compression="group4")
    tags = Image.open(io.BytesIO(tiff.getvalue())).tag_v2
    (offset,), (length,) = tags[273], tags[279]  # one strip: the G4 data
    mmr = tiff.getvalue()[offset:offset + length]
    page_info = struct.pack(">IIIIBH", 64, 64, 0, 0, 0, 0)
    region = struct.pack(">IIIIB", 64, 64, 0, 0, 0) + b"\x01"  # region info, then flags: MMR
    data = segment(0, 48, page_info) + segment(1, 39, region + mmr) + segment(2, 49, b"")
    image = stream(data, b"/Type /XObject /Subtype /Image /Width 64 /Height 64 /ColorSpace /DeviceGray"
                         b" /BitsPerComponent 1 /Filter /JBIG2Decode")
    return pdf_of(b"/MediaBox [0 0 300 300] /Resources <</XObject <</Im0 4 0 R>>>> /Contents 5 0 R",
                  image, stream(b"q 200 0 0 200 50 50 cm /Im0 Do Q"))


def standard_fonts_text() -> bytes:
    """Latin text in Helvetica and a tick in ZapfDingbats (a form's ticked box), both named and not
    embedded (two of PDF's 14 standard fonts; pdf.js always takes ZapfDingbats from its own files).
    The tick is in CMYK black, which pdf.js converts with an ICC profile (iccUrl, qcms in wasm)."""
    return pdf_of(b"/MediaBox [0 0 400 200] /Resources <</Font <</F1 4 0 R /F2 5 0 R>>>> /Contents 6 0 R",
                  b"<</Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding>>",
                  b"<</Type /Font /Subtype /Type1 /BaseFont /ZapfDingbats>>",
                  stream(b"BT /F1 48 Tf 20 110 Td (Hello, PDF) Tj 0 0 0 1 k /F2 48 Tf 0 -80 Td (4) Tj ET"))


async def open_pdf_material(page, openid: str, data: bytes):
    """A resident applies with `data` as their PDF material; a processor opens it in the viewer.
    Returns the viewer, and the console messages of the page and of pdf.js's worker."""
    server = page.server
    resident = await applicant_token(server, openid)
    upload = await server.fetch("/api/v1/uploads", "POST", body=data, token=resident)
    assert upload.status == 201 and upload.json["content_type"] == "application/pdf", upload.body
    r = await server.fetch("/api/v1/applications", "POST", token=resident, headers={"Idempotency-Key": uuid.uuid4().hex},
                           json_body={"item_code": "SB0008", "form": FORM,
                                      "materials": [{"code": "id_card", "upload_id": upload.json["id"]}]})
    assert r.status == 201, r.body
    messages = []
    page.on("console", lambda message: messages.append(message.text))
    page.on("worker", lambda worker: worker.on("console", lambda message: messages.append(message.text)))
    await login(page, "processor.rsj", "Processor@2026")
    await page.locator(".topbar").wait_for(timeout=10000)
    await page.goto(f"{server.base}/console/#/desk/{r.json['number']}")
    await page.locator(".materials").get_by_role("button").first.click()
    viewer = page.get_by_role("region", name="查看材料", exact=False)
    await viewer.get_by_text("第 1 / 1 页").wait_for(timeout=15000)
    return viewer, messages


async def open_application(tab, number):
    await tab.get_by_role("searchbox").fill(number)
    await tab.get_by_role("button", name="查询").click()
    row = tab.locator(f".queue tr[data-number='{number}']")
    await row.wait_for(timeout=10000)
    return row


async def act(tab, label, comment=""):
    await tab.locator(".actions").get_by_role("button", name=label, exact=True).click()
    form = tab.locator(".action-form")
    if comment:
        await form.get_by_role("textbox").fill(comment)
    return form


async def test_a_processor_works_an_application_to_completion(page, tmp_path):
    server = page.server
    resident = await applicant_token(server, "o-desk-1")
    number = await submit(server, resident)

    await login(page, "processor.rsj", "Processor@2026")
    await page.locator(".topbar").wait_for(timeout=10000)
    assert await page.locator(".topbar nav a").all_inner_texts() == ["办件工作台", "差评整改", "登录记录"]
    row = await open_application(page, number)
    assert "剩" in await row.inner_text() and "个工作日" in await row.inner_text()
    assert "未认领" in await row.inner_text()
    await shot(page, "desk-queue")
    await row.get_by_role("button", name=f"认领 {number}").click()
    await page.get_by_text(f"已认领办件 {number}").wait_for(timeout=10000)
    await row.get_by_role("link", name=f"办理 {number}").click()

    await page.get_by_text("您已认领该办件").wait_for(timeout=10000)
    phone = page.locator("tr[data-field=contact_phone]")
    assert "1381234" not in await phone.inner_text()  # masked until revealed
    async with page.expect_response("**/reveal"):
        await phone.get_by_role("button").click()
    await phone.get_by_text("13812345678").wait_for()
    await page.locator(".materials").get_by_role("button").first.click()
    viewer = page.get_by_role("region", name="查看材料", exact=False)
    await viewer.locator("img").wait_for(timeout=10000)
    await viewer.get_by_role("button", name="向右旋转").click()
    await viewer.get_by_role("button", name="放大").click()
    assert "125%，旋转 90°" in await viewer.inner_text()
    await shot(page, "desk-viewer")

    await (await act(page, "受理")).get_by_role("button", name="确认受理").click()
    await page.locator(".page-head .tag", has_text="已受理").wait_for(timeout=10000)
    assert "个工作日" in await page.locator(".page-head .due").inner_text()  # still counted after a step
    await (await act(page, "开始审核")).get_by_role("button", name="确认开始审核").click()
    form = await act(page, "要求补正")
    await form.get_by_role("button", name="确认要求补正").click()
    await form.get_by_text("请选择需要补正的材料").wait_for()  # nothing is sent until it names one
    await form.get_by_role("checkbox").first.check()
    await form.get_by_role("textbox").fill("身份证照片不清晰，请重新拍摄")
    await shot(page, "desk-supplement")
    await form.get_by_role("button", name="确认要求补正").click()
    await page.locator(".page-head .tag", has_text="待补正").wait_for(timeout=10000)
    assert "需补正：" in await page.locator(".timeline").inner_text()

    # the resident sends the material again
    mine = (await server.fetch(f"/api/v1/applications/{number}", token=resident)).json
    assert mine["supplement_request"]["reason"] == "身份证照片不清晰，请重新拍摄"
    r = await server.fetch(f"/api/v1/applications/{number}/supplement", "POST", token=resident,
                           headers={"If-Match": str(mine["version"])},
                           json_body={"materials": [{"code": "id_card", "upload_id": await upload_photo(server, resident)}]})
    assert r.status == 200, r.body

    await page.reload()
    await page.locator(".page-head .tag", has_text="已补正").wait_for(timeout=10000)
    await (await act(page, "开始审核")).get_by_role("button", name="确认开始审核").click()
    await page.locator(".page-head .tag", has_text="审核中").wait_for(timeout=10000)
    await (await act(page, "准予许可", "材料齐全")).get_by_role("button", name="确认准予许可").click()
    await page.locator(".page-head .tag", has_text="准予许可").wait_for(timeout=10000)
    form = await act(page, "办结")
    result = tmp_path / "结果通知书.pdf"
    result.write_bytes(PDF)
    async with page.expect_response("**/api/v1/staff/uploads**"):
        await form.locator("input[type=file]").set_input_files(str(result))
    await form.get_by_text("已上传：结果通知书.pdf").wait_for()
    await form.get_by_role("button", name="确认办结").click()
    await page.locator(".page-head .tag", has_text="已办结").wait_for(timeout=10000)
    await page.locator(".materials li", has_text="办结结果").get_by_role("button", name="查看").click()
    problem = page.locator(".pdf-pages [role=alert]")  # the uploaded bytes hold no document
    await problem.wait_for(timeout=15000)
    assert "无法在页面中预览" in await problem.inner_text()
    assert await problem.get_by_role("link", name="下载「结果通知书.pdf」").get_attribute("download") == "结果通知书.pdf"
    await shot(page, "desk-completed")
    done = (await server.fetch(f"/api/v1/applications/{number}", token=resident)).json
    assert done["state"] == "completed" and done["result"]["filename"] == "结果通知书.pdf"
    r = await server.fetch(f"/api/v1/applications/{number}/result", token=resident)
    assert r.status == 200 and r.body == PDF


async def test_a_pdf_material_is_drawn_page_by_page(page):
    server = page.server
    resident = await applicant_token(server, "o-desk-pdf")
    upload = await server.fetch("/api/v1/uploads", "POST", body=pdf_pages(3), token=resident)
    assert upload.status == 201 and upload.json["content_type"] == "application/pdf", upload.body
    r = await server.fetch("/api/v1/applications", "POST", token=resident, headers={"Idempotency-Key": uuid.uuid4().hex},
                           json_body={"item_code": "SB0008", "form": FORM,
                                      "materials": [{"code": "id_card", "upload_id": upload.json["id"]}]})
    assert r.status == 201, r.body
    number = r.json["number"]
    requested, warnings = [], []
    page.on("request", lambda request: requested.append(request.url))
    page.on("console", lambda message: warnings.append(message.text))

    await login(page, "processor.rsj", "Processor@2026")
    await page.locator(".topbar").wait_for(timeout=10000)
    await page.goto(f"{server.base}/console/#/desk/{number}")
    await page.get_by_text("该办件尚未认领").wait_for(timeout=10000)
    assert not [url for url in requested if "/vendor/pdf" in url]  # pdf.js only when a PDF is opened

    await page.locator(".materials").get_by_role("button").first.click()
    viewer = page.get_by_role("region", name="查看材料", exact=False)
    await viewer.get_by_text("第 1 / 3 页").wait_for(timeout=15000)
    await page.wait_for_function(INKED, timeout=15000)  # page 1 has only the Chinese text
    drawing = viewer.locator("canvas")
    first = await drawing.evaluate("c => c.toDataURL()")
    assert "第 1 页，共 3 页" in await drawing.get_attribute("aria-label")
    assert await viewer.get_by_role("button", name="上一页").is_disabled()
    await shot(page, "desk-pdf")

    await viewer.get_by_role("button", name="下一页").click()
    await viewer.get_by_text("第 2 / 3 页").wait_for()
    await page.wait_for_function("([c, before]) => c.toDataURL() !== before", arg=[await drawing.element_handle(), first],
                                 timeout=15000)
    await page.wait_for_function(INKED, timeout=15000)
    assert "第 2 页，共 3 页" in await drawing.get_attribute("aria-label")
    assert await drawing.evaluate("c => c.height > c.width")  # A4 upright
    await viewer.get_by_role("button", name="向右旋转").click()
    await page.wait_for_function("c => c.width > c.height", arg=await drawing.element_handle(),
                                 timeout=15000)  # the portrait page now lies on its side
    assert "100%，旋转 90°" in await viewer.inner_text()
    width = await drawing.evaluate("c => c.width")
    await viewer.get_by_role("button", name="放大").click()
    await page.wait_for_function("([c, w]) => c.width > w", arg=[await drawing.element_handle(), width], timeout=15000)
    await page.wait_for_function(INKED, timeout=15000)
    await shot(page, "desk-pdf-turned")
    await viewer.get_by_role("button", name="上一页").focus()  # real buttons: the keyboard pages too
    await page.keyboard.press("Enter")
    await viewer.get_by_text("第 1 / 3 页").wait_for()
    assert any(url.endswith("/vendor/pdf.min.mjs") for url in requested)
    assert any(url.endswith("/vendor/pdf.worker.min.mjs") for url in requested)
    assert any("/vendor/pdfjs-cmaps/UniGB-UCS2-H.bcmap" in url for url in requested)
    assert not [text for text in warnings if "cMapUrl" in text or "font loading" in text]


async def test_a_second_processor_cannot_act_on_a_claimed_application(page):
    server = page.server
    resident = await applicant_token(server, "o-desk-2")
    number = await submit(server, resident)
    await login(page, "processor.rsj2", "Processor@2026")
    await page.locator(".topbar").wait_for(timeout=10000)
    await page.goto(f"{server.base}/console/#/desk/{number}")
    await page.get_by_text("该办件尚未认领").wait_for(timeout=10000)
    await page.locator(".actions").get_by_role("button", name="受理", exact=True).click()

    # meanwhile the first processor claims it; the second one's 受理 is refused in words
    first = await server.login("processor.rsj", "Processor@2026")
    r = await server.fetch(f"/api/v1/staff/applications/{number}/claim", "POST", token=first)
    assert r.status == 200
    await page.locator(".action-form").get_by_role("button", name="确认受理").click()
    conflict = page.locator(".conflict")
    await conflict.wait_for(timeout=10000)
    assert "该办件已由 processor.rsj 认领，您不能办理" in await conflict.inner_text()
    await page.get_by_text("只有认领人可以办理").wait_for()
    assert await page.locator(".actions").count() == 0
    assert await page.get_by_role("button", name="释放认领").count() == 0  # not theirs to release
    await shot(page, "desk-claimed-elsewhere")

    # an admin may release it
    await page.get_by_role("button", name="退出登录").click()
    await login(page, "admin", "Admin@2026")
    await page.locator(".topbar").wait_for(timeout=10000)
    await page.goto(f"{server.base}/console/#/desk/{number}")
    await page.get_by_role("button", name="释放认领").click()
    await page.get_by_text("该办件尚未认领").wait_for(timeout=10000)



async def test_a_stale_page_is_explained_and_reloaded(page):
    server = page.server
    resident = await applicant_token(server, "o-desk-3")
    number = await submit(server, resident)
    await login(page, "processor.rsj", "Processor@2026")
    await page.locator(".topbar").wait_for(timeout=10000)
    await page.goto(f"{server.base}/console/#/desk/{number}")
    await page.get_by_text("该办件尚未认领").wait_for(timeout=10000)
    form = await act(page, "受理")
    # the same processor accepts it from another tab first: this page's version is stale
    clerk = await server.login("processor.rsj", "Processor@2026")
    r = await server.fetch(f"/api/v1/staff/applications/{number}/transitions", "POST", token=clerk,
                           json_body={"action": "accept", "version": 1, "comment": ""})
    assert r.status == 200
    await form.get_by_role("button", name="确认受理").click()
    conflict = page.locator(".conflict")
    await conflict.wait_for(timeout=10000)
    assert "在您查看之后，办件已被他人更新（现为「已受理」）" in await conflict.inner_text()
    await page.locator(".page-head .tag", has_text="已受理").wait_for()  # reloaded
    await shot(page, "desk-stale")


async def test_a_jpeg_2000_scan_is_decoded(page):
    requested = []
    page.on("request", lambda request: requested.append(request.url))
    viewer, messages = await open_pdf_material(page, "o-desk-jpx", jpx_scan())
    drawing = await viewer.locator("canvas").element_handle()
    try:  # drawn: the middle is painted, and not just the page's white
        await page.wait_for_function(f"c => ({PIXELS})(c)[1].join() !== '255,255,255,255' && ({PIXELS})(c)[1][3]",
                                     arg=drawing, timeout=15000)
    except PlaywrightTimeout:
        pass  # the colours below say what was drawn instead
    *inside, outside = await drawing.evaluate(PIXELS)
    for pixel in inside:
        assert all(abs(got - want) <= 8 for got, want in zip(pixel[:3], SCAN_RED, strict=True)), (pixel, messages)
    assert outside[:3] == [255, 255, 255], outside
    await shot(page, "desk-pdf-jpx")
    assert any(url.endswith("/vendor/pdfjs-wasm/openjpeg.wasm") for url in requested)
    assert not [url for url in requested if "nowasm_fallback" in url]  # the WebAssembly decoder, not the JS one
    assert not [text for text in messages if "wasm" in text.lower() or "jpx" in text.lower()], messages
    assert not [text for text in messages if "Unable to decode" in text], messages


async def test_a_jbig2_scan_is_decoded(page):
    requested = []
    page.on("request", lambda request: requested.append(request.url))
    viewer, messages = await open_pdf_material(page, "o-desk-jbig2", jbig2_scan())
    drawing = await viewer.locator("canvas").element_handle()
    try:  # drawn: the square in the middle is black
        await page.wait_for_function(f"c => ({PIXELS})(c)[1][0] < 60 && ({PIXELS})(c)[1][3]", arg=drawing, timeout=15000)
    except PlaywrightTimeout:
        pass  # the colours below say what was drawn instead
    corner, middle, _, outside = await drawing.evaluate(PIXELS)
    assert all(value < 60 for value in middle[:3]), (middle, messages)  # the square
    assert all(value > 200 for value in corner[:3] + outside[:3]), (corner, outside)  # the image's white, the page's
    await shot(page, "desk-pdf-jbig2")
    assert any(url.endswith("/vendor/pdfjs-wasm/jbig2.wasm") for url in requested)
    assert not [url for url in requested if "nowasm_fallback" in url]
    assert not [text for text in messages if "jbig2" in text.lower() or "Unable to decode" in text], messages


async def test_standard_fonts_not_embedded_and_cmyk_are_drawn(page):
    requested = []
    page.on("request", lambda request: requested.append(request.url))
    viewer, messages = await open_pdf_material(page, "o-desk-fonts", standard_fonts_text())
    await page.wait_for_function(INKED, timeout=15000)
    await shot(page, "desk-pdf-fonts")
    assert any(url.endswith("/vendor/pdfjs-standard-fonts/FoxitDingbats.pfb") for url in requested)
    assert any(url.endswith("/vendor/pdfjs-iccs/CGATS001Compat-v2-micro.icc") for url in requested)
    assert any(url.endswith("/vendor/pdfjs-wasm/qcms_bg.wasm") for url in requested)
    assert not [text for text in messages if "Url" in text or "font" in text.lower() or "ICC" in text], messages
