"""The resident h5 page in Debian's chromium (Playwright, never a downloaded browser), against this
server: log in with a phone and the SMS code the sandbox received, see the channel's menu and hot
items, search in pinyin initials, and read the inbox. `make test` builds the page first (`make
client`); a screenshot of each step is saved under test-artifacts/."""

import os
import pathlib
import shutil

import pytest
from playwright.async_api import async_playwright

from support import start_server, stop_server

ROOT = pathlib.Path(__file__).resolve().parent.parent
H5 = ROOT / "miniprogram" / "dist" / "build" / "h5"
ARTIFACTS = ROOT / "test-artifacts"
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
PHONE = "13700001234"

pytestmark = pytest.mark.skipif(not (H5 / "index.html").exists() or not os.path.exists(CHROMIUM),
                                reason="needs `make client` and Debian's chromium (make test provides both)")


@pytest.fixture
async def page(database, redis_server):
    redis_server.flush()
    server = await start_server(database, redis_server.url, H5_DIR=str(H5))
    async with async_playwright() as pw:
        browser = await pw.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        context = await browser.new_context(viewport={"width": 375, "height": 812}, locale="zh-CN")
        tab = await context.new_page()
        tab.server = server
        yield tab
        await browser.close()
    await stop_server(server)


async def shot(tab, name):
    ARTIFACTS.mkdir(exist_ok=True)
    await tab.screenshot(path=str(ARTIFACTS / f"h5-{name}.png"), full_page=True)


async def login(page, phone):
    server = page.server
    await page.goto(f"{server.base}/h5/#/pages/login/login")
    await page.locator("input").nth(0).fill(phone)
    await page.get_by_text("获取验证码").click()
    await page.get_by_text("秒后重发").wait_for(timeout=10000)
    code = (await server.fetch(f"/sandbox/sms/messages?phone={phone}")).json["messages"][-1]["params"]["code"]
    await page.locator("input").nth(1).fill(code)
    await page.locator(".submit").click()
    await page.get_by_text("退出登录").wait_for(timeout=10000)  # back home, logged in


async def test_resident_logs_in_sees_the_menu_searches_and_reads_messages(page):
    server = page.server
    await page.goto(f"{server.base}/h5/")
    await page.get_by_text("社保服务").first.wait_for(timeout=15000)  # a section of the app channel's menu
    await page.get_by_text("热门事项").wait_for()
    await shot(page, "home")

    await login(page, PHONE)
    await shot(page, "logged-in")

    await page.goto(f"{server.base}/h5/#/pages/search/search")
    await page.locator("input").first.fill("sbk")
    await page.keyboard.press("Enter")
    await page.get_by_text("社保卡").first.wait_for(timeout=10000)  # pinyin initials find 社保卡 items
    await shot(page, "search")

    await page.goto(f"{server.base}/h5/#/pages/inbox/inbox")
    await page.get_by_text("暂无消息").wait_for(timeout=10000)  # a new resident has no messages yet
    await shot(page, "inbox")


async def test_a_social_security_query_asks_for_real_name_first(page):
    server = page.server
    id_number = "330106195508163314"
    name = (await server.fetch(f"/sandbox/identity/people/{id_number}")).json["name"]
    await login(page, "13700005678")
    await page.goto(f"{server.base}/h5/#/pages/query/query?code=SB0001")
    await page.locator(".realname-submit").wait_for(timeout=10000)  # not verified yet: the real-name page
    inputs = page.locator("input")
    await inputs.nth(0).fill(name)
    await inputs.nth(1).fill(id_number)
    await shot(page, "realname")
    await page.locator(".realname-submit").click()
    await page.locator(".query-result").wait_for(timeout=15000)  # back on the query, answered
    await page.locator(".insured-row").first.wait_for()
    assert await page.locator(".insured-row").count() >= 1
    assert await page.get_by_text("社保系统").count() >= 1
    await shot(page, "query")
