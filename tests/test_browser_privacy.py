"""Privacy in the resident h5 page at 375 px (issue 19), with the consent gate on: a first login shows
the 用户协议 and 隐私政策 with 同意并继续 / 不同意 (disagreeing stays logged out), and 我的 → 注销账号
closes the account after the typed word and a fresh SMS code. axe-core checks both pages."""


import pytest
from bson import ObjectId
from playwright.async_api import async_playwright
from test_browser_a11y import AXE, H5, ROOT, problems_of, stored

from support import CHROMIUM, phone_page, start_server, stop_server, unless_present, watch_policy

pytestmark = unless_present(H5 / "index.html", CHROMIUM, AXE,
                            reason="needs `make client` (axe-core with it) and Debian's chromium")


@pytest.fixture
async def page(database, redis_server):
    async with phone_page(database, redis_server, init_script=AXE, CONSENT_GATE="true") as tab:
        yield tab


async def sms_code(server, phone):
    return (await server.fetch(f"/sandbox/sms/messages?phone={phone}")).json["messages"][-1]["params"]["code"]


async def log_in_up_to_consent(page, phone):
    server = page.server
    await page.goto(f"{server.base}/h5/#/pages/login/login")
    await page.locator("input").nth(0).fill(phone)
    await page.get_by_text("获取验证码").click()
    await page.get_by_text("秒后重发").wait_for(timeout=10000)
    await page.locator("input").nth(1).fill(await sms_code(server, phone))
    await page.locator(".submit").click()
    await page.locator(".consent-agree").wait_for(timeout=10000)


async def no_axe_problems(page, name):
    assert await problems_of(page, name, elder=False) == []  # after any fading toast (已同意…) has gone


async def test_a_first_login_asks_for_consent_and_disagreeing_stays_logged_out(page):
    server = page.server
    await log_in_up_to_consent(page, "13700006001")
    # both texts, whole, and two explicit choices: nothing agreed to yet
    docs = page.locator(".consent-doc")
    assert await docs.count() == 2
    assert "个人信息保护法" in await docs.nth(1).inner_text()
    assert await page.locator(".consent-agree").inner_text() == "同意并继续"
    assert await page.locator(".consent-disagree").inner_text() == "不同意"
    me = (await server.fetch("/api/v1/me", token=await stored(page, "access_token"))).json
    assert me["consents"] == {}
    await no_axe_problems(page, "consent")

    await page.locator(".consent-disagree").click()
    await page.locator(".home-login").wait_for(timeout=10000)  # home, logged out
    assert await stored(page, "access_token") is None

    # another resident agrees: recorded with the channel, and the app works
    await log_in_up_to_consent(page, "13700006002")
    token = await stored(page, "access_token")
    assert (await server.fetch("/api/v1/me/inbox", token=token)).status == 403  # not yet
    await page.locator(".consent-agree").click()
    await page.locator(".tab-bar").wait_for(timeout=10000)
    await page.locator(".home-login").wait_for(state="detached", timeout=10000)
    me = (await server.fetch("/api/v1/me", token=token)).json
    assert me["consents"]["terms"]["channel"] == "app" and me["consents"]["privacy"]["version"] == 1
    assert (await server.fetch("/api/v1/me/inbox", token=token)).status == 200


async def test_closing_the_account_from_me(page):
    server = page.server
    phone = "13700006003"
    await log_in_up_to_consent(page, phone)
    await page.locator(".consent-agree").click()
    await page.locator(".tab-bar").wait_for(timeout=10000)
    resident_id = (await stored(page, "resident"))["id"]

    await page.goto(f"{server.base}/h5/#/pages/me/me")
    await page.locator(".closure-entry").click(timeout=15000)
    await page.locator(".closure-submit").wait_for(timeout=10000)
    assert "办件是政务档案" in await page.locator(".closure-explain").inner_text()
    await no_axe_problems(page, "closure")

    # the word alone is not enough; a fresh code to the phone proves it is the resident
    await page.locator(".closure-confirm input").fill("注销")
    await page.locator(".closure-submit").click()
    assert "手机号" in await page.locator(".closure-error").inner_text()
    await server.deps.redis.delete(server.deps.otp._k("cool", phone))  # rather than wait out the login's minute
    await server.fetch("/sandbox/sms/messages", "DELETE")
    await page.locator(".closure-phone input").fill(phone)
    await page.locator(".closure-code").click()
    await page.get_by_text("秒后重发").wait_for(timeout=10000)
    await page.locator(".closure-otp input").fill(await sms_code(server, phone))
    await page.locator(".closure-submit").click()

    await page.locator(".home-login").wait_for(timeout=10000)  # home, logged out
    assert await stored(page, "access_token") is None
    tomb = await server.deps.db.residents.find_one({"_id": ObjectId(resident_id)})
    assert tomb["state"] == "closed" and tomb["channels"] == [] and "phone" not in tomb


async def test_an_operator_publishes_a_new_privacy_policy_in_the_console(database, redis_server):
    redis_server.flush()
    console = ROOT / "console"
    server = await start_server(database, redis_server.url, CONSOLE_DIR=str(console), CONSENT_GATE="true")
    try:
        async with async_playwright() as pw:
            browser = await pw.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
            context = await browser.new_context(viewport={"width": 1440, "height": 900}, locale="zh-CN")
            violations = watch_policy(context)
            tab = await context.new_page()
            await tab.goto(f"{server.base}/console/")
            await tab.locator("input[name=username]").fill("operator")
            await tab.locator("input[name=password]").fill("Operator@2026")
            await tab.get_by_role("button", name="登录").click()
            await tab.get_by_role("link", name="协议与隐私").click(timeout=15000)
            await tab.locator(".legal-versions tbody tr").first.wait_for(timeout=10000)
            assert "第 1 版" in await tab.locator(".legal-versions").inner_text()
            text = tab.locator(".legal-form textarea")
            assert "【一、个人信息处理者】" in await text.input_value()  # the current text is the draft
            await text.fill(await text.input_value() + "\n\n【八、人脸核验】\n账号关联时可选择人脸核验，图像不由我们保存。")
            await tab.locator(".legal-form input").nth(1).fill("增加了人脸核验的说明")
            await tab.locator(".legal-publish").click()
            await tab.get_by_text("已发布第 2 版").wait_for(timeout=10000)
            (ROOT / "test-artifacts").mkdir(exist_ok=True)
            await tab.screenshot(path=str(ROOT / "test-artifacts" / "console-legal.png"), full_page=True)
            await browser.close()
        assert violations == []
        policy = (await server.fetch("/api/v1/legal/privacy")).json
        assert policy["version"] == 2 and policy["changes"] == "增加了人脸核验的说明"
        assert policy["sections"][-1] == {"heading": "八、人脸核验", "text": "账号关联时可选择人脸核验，图像不由我们保存。"}
    finally:
        await stop_server(server)
