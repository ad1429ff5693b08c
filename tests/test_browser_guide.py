"""The 办事指南 and the form's conditions in the resident h5 page (issue 19), in Debian's chromium at
375 px, in both modes: the item page shows the guide as headed sections with tel: links; on the
apply page the contact phone is the login's, 邮寄地址 appears (required) only for 邮寄送达, and a
submit without it shows the error and moves focus to it; a plate field's province comes from a
picker. axe-core (and in 长辈版 the sizes) finds nothing on either page. `make test` builds the page."""

import shutil

import pytest
from playwright.async_api import expect
from test_browser_a11y import AXE, H5, login, page, problems_of, shot, switch_elder, verify  # noqa: F401 (page: fixture)

from support import unless_present

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"

pytestmark = unless_present(H5 / "index.html", CHROMIUM, AXE,
                            reason="needs `make client` (axe-core with it) and Debian's chromium")

IN_VIEW = """(el) => { const r = el.getBoundingClientRect(); return r.top >= 0 && r.bottom <= window.innerHeight; }"""


@pytest.mark.parametrize("elder", [False, True], ids=["standard", "elder"])
async def test_guide_conditional_address_focus_phone_and_plate(page, elder):  # noqa: F811
    server = page.server
    base = f"{server.base}/h5/#/pages"
    phone = "13700007701" if elder else "13700007702"
    await switch_elder(page, elder)
    token = await login(page, phone)
    await verify(server, token)

    # the item page: 办事指南 as headed sections, phones as tel: links
    await page.goto(f"{base}/item/item?code=JT0004")
    await page.locator(".guide-section").first.wait_for(timeout=15000)
    headings = await page.locator('.item-page [role="heading"]').all_inner_texts()
    assert headings == ["办事指南", "受理条件", "办理流程", "办理地点和时间", "咨询电话", "收费", "结果样本", "设定依据"]
    assert await page.locator('#guide-phones a.tel[href="tel:12123"]').inner_text() == "12123"
    assert "10.00 元" in await page.locator("#guide-fee").inner_text()
    assert await page.locator("#guide-steps .guide-step").count() == 5  # with 领取结果
    found = await problems_of(page, "guide-item", elder)

    # apply: the login's phone is filled in; 邮寄地址 only for 邮寄送达, then required
    await page.locator(".item-apply").click()
    await page.locator(".apply-form").wait_for(timeout=15000)
    assert await page.locator('[data-name="contact_phone"] input').input_value() == phone
    assert await page.locator('[data-name="mail_address"]').count() == 0
    await page.locator('[data-name="delivery"] .chip', has_text="邮寄送达").click()
    address = page.locator('[data-name="mail_address"]')
    await address.wait_for()
    assert await address.locator(".field-label").inner_text() == "*邮寄地址"
    await page.locator('[data-name="exam_hospital"] input').fill("市第一人民医院")
    await page.locator('[data-name="exam_date"] .picker-value').click()
    await page.locator(".uni-picker-action-confirm").click()  # today's date
    await page.locator(".apply-submit").click()
    await address.locator(".field-error", has_text="此项为必填项").wait_for()
    focused = await page.evaluate(
        "() => { const el = document.activeElement; return el && el.closest('[data-name]')?.dataset.name; }")
    assert focused == "mail_address"
    assert await address.evaluate(IN_VIEW)
    await shot(page, f"guide-apply-error-{'elder' if elder else 'standard'}")
    found += await problems_of(page, "guide-apply-error", elder)

    # a plate field: the province from the picker, the rest typed
    await page.goto(f"{base}/apply/apply?code=JT0014")
    plate = page.locator('[data-name="plate"]')
    await plate.wait_for(timeout=15000)
    await plate.locator(".plate-province").click()
    assert await plate.locator(".province-key").count() == 31
    found += await problems_of(page, "guide-plate-picker", elder)
    await plate.locator(".province-key", has_text="粤").click()
    await plate.locator(".plate-rest input").fill("b12345f")
    await plate.locator(".plate-rest input").blur()
    assert "粤" in await plate.locator(".plate-province").inner_text()
    await expect(plate.locator(".plate-rest input")).to_have_value("B12345F")  # upper-cased on blur
    assert found == [], "\n".join(found)
