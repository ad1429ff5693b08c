"""The inspectors' app 执法通 (/field/) in Debian's chromium at a phone viewport, geolocation granted
at a fixed position: log in; go offline; register a case with two photos (one small, sent whole; one
over 1 MiB, sent in resumable chunks); reload the page offline (the service worker serves the app,
IndexedDB still holds the case and both photos); go online; watch it sync; the server's chain
verifies with both photos' SHA-256. `make test` builds the app first (`make client`)."""

import hashlib
import os
import pathlib
import shutil

import pytest
from playwright.async_api import async_playwright

from support import start_server, stop_server, unless_present, watch_policy

ROOT = pathlib.Path(__file__).resolve().parent.parent
FIELD = ROOT / "field" / "dist" / "build" / "h5"
ARTIFACTS = ROOT / "test-artifacts"
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
HERE = {"latitude": 30.2741, "longitude": 120.1551, "accuracy": 12}

pytestmark = unless_present(FIELD / "index.html", CHROMIUM,
                            reason="needs `make client` and Debian's chromium (make test provides both)")


@pytest.fixture
async def page(database, redis_server):
    redis_server.flush()
    server = await start_server(database, redis_server.url, FIELD_DIR=str(FIELD))
    async with async_playwright() as pw:
        browser = await pw.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        context = await browser.new_context(viewport={"width": 390, "height": 844}, locale="zh-CN", is_mobile=True,
                                            has_touch=True, permissions=["geolocation"], geolocation=HERE)
        tab = await context.new_page()
        tab.server, tab.ctx = server, context
        tab.violations = watch_policy(context)
        yield tab
        await browser.close()
    assert tab.violations == []  # the app works under its Content-Security-Policy
    await stop_server(server)


async def shot(tab, name):
    ARTIFACTS.mkdir(exist_ok=True)
    await tab.screenshot(path=str(ARTIFACTS / f"field-{name}.png"), full_page=True)


def jpeg(size):
    return b"\xff\xd8\xff\xe0" + os.urandom(size - 6) + b"\xff\xd9"


async def add_photo(page, data, name):
    async with page.expect_file_chooser() as chooser:
        await page.locator(".take-photo").click()
    await (await chooser.value).set_files({"name": name, "mimeType": "image/jpeg", "buffer": data})


async def test_an_inspector_registers_a_case_offline_and_it_syncs(page):
    server = page.server
    await page.goto(f"{server.base}/field/")
    await page.locator(".username input").fill("inspector")
    await page.locator(".password input").fill("Inspector@2026")
    await page.locator(".submit").click()
    await page.locator(".new-case").wait_for(timeout=15000)
    assert await page.evaluate("navigator.serviceWorker.ready.then(() => true)")  # the shell is cached
    for target in (".new-case", ".sync-now"):  # gloves: big targets
        box = await page.locator(target).bounding_box()
        assert box["height"] >= 56

    await page.ctx.set_offline(True)
    await page.locator(".new-case").click()
    await page.get_by_text("经度 120.155100").wait_for(timeout=10000)  # GPS, with its accuracy
    await page.get_by_text("机动车违反规定停放、临时停车").click()
    await page.get_by_text("《中华人民共和国道路交通安全法》第九十三条第二款").wait_for()
    await page.get_by_text("可当场处罚").first.wait_for()
    await page.locator(".party-name input").fill("王五")
    await page.locator(".id-number input").fill("330106195508163315")  # a wrong check digit
    await page.locator(".plate input").fill("A7K2M9")
    await page.locator(".address input").fill("杭州市西湖区南山路 100 号")
    await page.locator(".facts textarea").fill("在禁停路段停车，驾驶人不在现场。")
    await page.locator(".save").click()
    await page.get_by_text("校验位不正确").wait_for()
    await page.locator(".id-number input").fill("330106195508163314")
    await shot(page, "form")
    await page.locator(".save").click()
    await page.locator(".take-photo").wait_for(timeout=10000)
    small, large = jpeg(40_000), jpeg(1_300_000)
    await add_photo(page, small, "a.jpg")
    await add_photo(page, large, "b.jpg")
    await page.locator(".photo").nth(1).wait_for(timeout=10000)
    for data in (small, large):
        await page.get_by_text(f"SHA-256 {hashlib.sha256(data).hexdigest()}").wait_for()

    await page.reload()  # offline: the service worker serves the app, IndexedDB still has everything
    await page.locator(".photo").nth(1).wait_for(timeout=15000)
    assert await page.locator(".case-status").inner_text() == "待发送"
    assert await page.get_by_text("待上传").count() == 2
    await shot(page, "offline")

    await page.ctx.set_offline(False)
    await page.goto(f"{server.base}/field/#/pages/index/index")
    await page.locator(".sync-now").click()
    await page.get_by_text("已同步 1").wait_for(timeout=30000)
    await page.get_by_text("照片待上传 0").wait_for(timeout=30000)
    await shot(page, "synced")
    await page.locator(".case-row").click()
    await page.locator(".verify").click()
    await page.get_by_text("校验通过：证据链完整").wait_for(timeout=10000)
    assert await page.get_by_text("已上传").count() == 2

    token = await server.login("inspector", "Inspector@2026")
    case = (await server.fetch("/api/v1/enforcement/cases", token=token)).json["cases"][0]
    assert case["parties"][0]["id_number_masked"] == "330106********3314"
    assert case["parties"][1]["plate"] == "浙A7K2M9"
    assert case["record"]["address"] == "杭州市西湖区南山路 100 号" and case["record"]["violation"] == "TP-093"
    assert case["location"]["coordinates"] == [HERE["longitude"], HERE["latitude"]]
    assert [e["sha256"] for e in case["evidence"]] == [hashlib.sha256(d).hexdigest() for d in (small, large)]
    verify = (await server.fetch(f"/api/v1/enforcement/cases/{case['id']}/verify", token=token)).json
    assert verify["ok"] and verify["events"] == 3
