"""The page behind a 决定书's QR code, as a phone's browser shows it (Debian's chromium, 390 px):
axe-core finds no serious or critical problem, the text is 18 px or more, the facts are there and
the party is not; an unknown document is a 404 page that passes too. The JSON answers are
tests/test_documents.py's."""

import pathlib
import shutil

from playwright.async_api import async_playwright
from test_documents import decide, decision, new_case

from support import unless_present, watch_policy

ROOT = pathlib.Path(__file__).resolve().parent.parent
AXE = ROOT / "miniprogram" / "node_modules" / "axe-core" / "axe.min.js"
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"

pytestmark = unless_present(AXE, CHROMIUM, reason="needs miniprogram's npm install (axe-core) and Debian's chromium")

AXE_RUN = r"""async () => {
  const result = await axe.run(document, { resultTypes: ['violations'] });
  return result.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => `${v.impact} ${v.id}: ${v.help}`);
}"""
SMALLEST_TEXT = """() => Math.min(...[...document.querySelectorAll('body *')]
  .filter((el) => [...el.childNodes].some((n) => n.nodeType === 3 && n.textContent.trim()))
  .map((el) => parseFloat(getComputedStyle(el).fontSize)))"""


async def test_the_verify_page_is_accessible(server):
    token = await server.login("inspector", "Inspector@2026")
    case_id = await new_case(server, token)
    document = (await decide(server, token, case_id, decision(1))).json["document"]
    async with async_playwright() as pw:
        browser = await pw.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        context = await browser.new_context(viewport={"width": 390, "height": 844}, locale="zh-CN", is_mobile=True)
        await context.add_init_script(path=str(AXE))  # injected by the browser: outside the page's CSP
        violations = watch_policy(context)
        page = await context.new_page()
        answer = await page.goto(f"{server.base}/api/v1/enforcement/documents/{document['id']}/verify")
        assert answer.status == 200 and answer.headers["content-type"].startswith("text/html")
        await page.get_by_role("heading", name="文书核验").wait_for()
        await page.get_by_text("文书真实有效，与案件证据链一致").wait_for()
        assert await page.locator(".number").inner_text() == document["number"]
        assert await page.locator(".hash").inner_text() == document["sha256"]
        assert "王五" not in await page.content()
        assert await page.evaluate(AXE_RUN) == []
        assert await page.evaluate(SMALLEST_TEXT) >= 18

        missing = await page.goto(f"{server.base}/api/v1/enforcement/documents/{'0' * 32}/verify")
        assert missing.status == 404
        await page.get_by_text("文书不存在").wait_for()
        assert await page.evaluate(AXE_RUN) == []
        assert await page.evaluate(SMALLEST_TEXT) >= 18
        await browser.close()
    assert violations == []  # nothing the page's policy had to refuse
