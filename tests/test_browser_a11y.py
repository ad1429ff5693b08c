"""Accessibility of the resident h5 page (issue 19) in Debian's chromium at 375 px: the 长辈版 switch
is kept across a reload and, on, every page has text of 18 px or more (line height ≥ 1.3) and tap
targets of 60 × 60 px or more; axe-core (miniprogram/node_modules, injected into each page) finds no
serious or critical violation on any page in either mode; the keyboard reaches the menu and Enter
opens an item; the tab bar's badge counts the unread messages and a message opens its 办件, whose
stepper shows the steps to come. `make test` builds the page first (`make client`)."""

import asyncio
import json
import pathlib
import time
import uuid

import pytest
from test_dashboard import complete

from support import CHROMIUM, phone_page, submit, unless_present

ROOT = pathlib.Path(__file__).resolve().parent.parent
H5 = ROOT / "miniprogram" / "dist" / "build" / "h5"
AXE = ROOT / "miniprogram" / "node_modules" / "axe-core" / "axe.min.js"
ARTIFACTS = ROOT / "test-artifacts"
ID_NUMBER = "330106195508163314"  # in the sandbox register, with social security records

pytestmark = unless_present(H5 / "index.html", CHROMIUM, AXE,
                            reason="needs `make client` (axe-core with it) and Debian's chromium")


@pytest.fixture
async def page(database, redis_server):
    async with phone_page(database, redis_server, init_script=AXE) as tab:
        yield tab


async def shot(tab, name):
    ARTIFACTS.mkdir(exist_ok=True)
    await tab.screenshot(path=str(ARTIFACTS / f"a11y-{name}.png"), full_page=True)


async def stored(page, key):
    raw = await page.evaluate("(key) => window.localStorage.getItem(key)", key)
    if raw is None:
        return None
    try:
        value = json.loads(raw)
    except ValueError:
        return raw
    return value.get("data") if isinstance(value, dict) and "data" in value else value


async def login(page, phone, *, there=False):
    server = page.server
    if not there:
        await page.goto(f"{server.base}/h5/#/pages/login/login")
    await page.locator("input").nth(0).fill(phone)
    await page.get_by_text("获取验证码").click()
    await page.get_by_text("秒后重发").wait_for(timeout=10000)
    code = (await server.fetch(f"/sandbox/sms/messages?phone={phone}")).json["messages"][-1]["params"]["code"]
    await page.locator("input").nth(1).fill(code)
    await page.locator(".submit").click()
    await page.locator(".consent-agree").click(timeout=10000)  # a first login: 用户协议 and 隐私政策
    await page.locator(".tab-bar").wait_for(timeout=10000)  # back home
    await page.locator(".home-login").wait_for(state="detached", timeout=10000)
    return await stored(page, "access_token")


async def verify(server, token, id_number=ID_NUMBER):
    name = (await server.fetch(f"/sandbox/identity/people/{id_number}")).json["name"]
    r = await server.fetch("/api/v1/me/realname", "POST", token=token, json_body={"name": name, "id_number": id_number})
    assert r.status == 200, r.body


async def apply_and_accept(server, token):
    """An application made through the API (no materials needed), accepted by the department: the
    resident has a 办件 and, once the push worker has written them, messages about it (submitted, then
    accepted: the accepted one is the last to come)."""
    r = await server.fetch("/api/v1/applications", "POST", token=token, headers={"Idempotency-Key": str(uuid.uuid4())},
                           json_body={"item_code": "YB0007", "materials": [],
                                      "form": {"member_name": "张三", "member_id_number": "11010519491231002X",
                                               "relation": "parent"}})
    assert r.status in (200, 201), r.body
    number = r.json["number"]
    staff = await server.login("processor.ybj", "Processor@2026")
    claimed = await server.fetch(f"/api/v1/staff/applications/{number}/claim", "POST", token=staff)
    assert claimed.status == 200, claimed.body
    accepted = await server.fetch(f"/api/v1/staff/applications/{number}/transitions", "POST", token=staff,
                                  json_body={"action": "accept", "version": claimed.json["version"], "comment": "材料齐全"})
    assert accepted.status == 200, accepted.body
    deadline = time.monotonic() + 15
    while True:  # the push worker writes the inbox on its own time
        inbox = (await server.fetch("/api/v1/me/inbox", token=token)).json
        if any(m.get("number") == number and "受理" in m.get("title", "") for m in inbox["messages"]):
            return number, inbox["unread"]
        assert time.monotonic() < deadline, "no message about the application in 15 s"
        await asyncio.sleep(0.2)


AXE_RUN = r"""async () => {
  const result = await axe.run(document, { resultTypes: ['violations'] });
  return result.violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => `${v.impact} ${v.id}: ${v.help} — ` + v.nodes.slice(0, 4)
      .map((n) => n.target.join(' ') + ' ' + n.html.slice(0, 120)).join(' | '));
}"""

# In 长辈版, measured in the page: visible text ≥ 18 px with line height ≥ 1.3; every control
# (role button/link/switch/tab/radio/checkbox, buttons) at least 60 × 60 px. uni's navigation bar
# (platform chrome, outside .page) is not the page's.
ELDER_MEASURE = """() => {
  const root = document.querySelector('uni-page-body .page');
  if (!root) return ['no .page'];
  const problems = [];
  const visible = (el) => {
    const r = el.getBoundingClientRect();
    const s = getComputedStyle(el);
    return r.width > 0 && r.height > 0 && s.visibility !== 'hidden' && s.display !== 'none';
  };
  const walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT);
  const seen = new Set();
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    const el = node.parentElement;
    if (!node.textContent.trim() || seen.has(el) || !visible(el) || el.closest('[aria-hidden="true"]')) continue;
    seen.add(el);
    const s = getComputedStyle(el);
    const size = parseFloat(s.fontSize);
    const line = s.lineHeight === 'normal' ? 1.2 * size : parseFloat(s.lineHeight);
    const text = node.textContent.trim().slice(0, 20);
    if (size < 18) problems.push(`text ${size}px: ${text}`);
    else if (line / size < 1.3 - 1e-6) problems.push(`line height ${(line / size).toFixed(2)}: ${text}`);
  }
  const controls = root.querySelectorAll(
    "[role=button],[role=link],[role=switch],[role=tab],[role=radio],[role=checkbox],uni-button,button");
  for (const el of controls) {
    if (!visible(el)) continue;
    const r = el.getBoundingClientRect();
    if (r.width < 60 - 0.5 || r.height < 60 - 0.5) {
      const what = `${String(el.className || el.tagName).slice(0, 40)} ${el.textContent.trim().slice(0, 12)}`;
      problems.push(`target ${Math.round(r.width)}×${Math.round(r.height)}: ${what}`);
    }
  }
  return problems;
}"""


async def problems_of(page, name, elder):
    """What axe (and in 长辈版 the measurements) find wrong with the page as it stands."""
    # a toast (登录成功…) is fading in or out for 1.5 s: axe would weigh its half-transparent text
    await page.locator("uni-toast >> visible=true").first.wait_for(state="hidden", timeout=10000)
    await shot(page, f"{'elder' if elder else 'standard'}-{name}")
    found = [f"{name}: {v}" for v in await page.evaluate(AXE_RUN)]
    if elder:
        if await page.locator("uni-page-body .page.elder").count() != 1:
            found.append(f"{name}: not in 长辈版")
        found += [f"{name}: {p}" for p in await page.evaluate(ELDER_MEASURE)]
    return found


async def check(page, name, elder):
    found = await problems_of(page, name, elder)
    assert found == [], found


async def switch_elder(page, on):
    await page.goto(f"{page.server.base}/h5/#/pages/index/index")
    row = page.locator(".elder-row")
    await row.wait_for(timeout=15000)
    if (await row.get_attribute("aria-checked") == "true") != on:
        await row.click()
    await page.locator(f'.elder-row[aria-checked="{"true" if on else "false"}"]').wait_for()


async def test_elder_mode_switch_is_kept_across_a_reload(page):
    server = page.server
    await page.goto(f"{server.base}/h5/")
    await page.get_by_text("社保服务").first.wait_for(timeout=15000)
    assert await page.locator(".home-page.elder").count() == 0
    assert await page.locator(".elder-shortcuts").count() == 0
    await page.locator(".elder-row").click()
    await page.locator(".home-page.elder").wait_for()
    await page.reload()
    await page.locator(".home-page.elder .elder-shortcuts .elder-entry").first.wait_for(timeout=15000)
    assert await page.locator('.elder-row[aria-checked="true"]').count() == 1
    assert await stored(page, "elder_mode") is True
    # the simplified home: the most used services, large; the full menu is one tap away
    assert 3 <= await page.locator(".elder-shortcuts .elder-entry").count() <= 7
    assert await page.locator(".grid-cell").count() == 0
    await check(page, "home-kept", elder=True)
    # and off again from 我的 (it works logged out too)
    await page.locator(".tab-me").click()
    await page.locator(".me-page.elder .elder-card").wait_for(timeout=10000)
    await page.locator(".elder-card").click()
    await page.locator(".me-page:not(.elder)").wait_for()
    await page.reload()
    await page.locator('.elder-card[aria-checked="false"]').wait_for(timeout=10000)


@pytest.mark.parametrize("elder", [False, True], ids=["standard", "elder"])
async def test_every_page_passes_axe(page, elder):
    server = page.server
    base = f"{server.base}/h5/#/pages"
    await switch_elder(page, elder)
    await page.get_by_text("热门事项").wait_for()
    await page.locator(".hot-row").first.wait_for(timeout=15000)
    if not elder:
        await page.locator(".grid-cell").first.wait_for()
    found = await problems_of(page, "home-logged-out", elder)

    await page.goto(f"{base}/login/login")
    await page.get_by_text("获取验证码").wait_for(timeout=10000)
    found += await problems_of(page, "login", elder)

    token = await login(page, "13700009001" if elder else "13700009002", there=True)
    await verify(server, token)
    number, _ = await apply_and_accept(server, token)

    visits = [
        ("home", "index/index", ".hot-row"),
        ("services", "services/services", ".service-row"),
        ("search", "search/search?q=sbk", ".result"),
        ("item", "item/item?code=SB0011", ".item-apply"),
        ("apply", "apply/apply?code=YB0007", ".apply-form"),
        ("done", f"apply/done?number={number}", ".next-step"),
        ("inbox", "inbox/inbox", ".message"),
        ("applications", "applications/list", ".application-row"),
        ("detail", f"applications/detail?number={number}", ".step"),
        ("query", "query/query?code=SB0001", ".query-result"),
        ("vehicles", "vehicles/vehicles", ".vehicles-empty"),
        ("library", "library/library", ".consent-row"),
        ("realname", "realname/realname", ".id-notice"),
        ("consent", "consent/consent", ".consent-doc"),
        ("closure", "closure/closure", ".closure-submit"),
        ("me", "me/me", ".profile-card"),
    ]
    for name, path, ready in visits:
        await page.goto(f"{base}/{path}")
        await page.locator(ready).first.wait_for(timeout=15000)
        found += await problems_of(page, name, elder)

    # 办结: the five levels, and for 非常不满意 the reasons and the text box; then the department's
    # answer to the ticket it opened, with 已解决 / 未解决
    clerk = await server.login("processor.rsj", "Processor@2026")
    done = await submit(server, token)
    await complete(server, clerk, done)
    await page.goto(f"{base}/applications/detail?number={done}")
    await page.reload()  # the detail page was open before: load it afresh for this 办件
    await page.locator('.level[data-level="very_dissatisfied"]').click()
    await page.locator(".reason").first.wait_for(timeout=15000)
    await page.locator(".rating-submit").click()
    await page.locator(".reasons-error").wait_for()
    found += await problems_of(page, "detail-rating", elder)
    r = await server.fetch(f"/api/v1/applications/{done}/rating", "POST", token=token,
                           json_body={"level": "very_dissatisfied", "reasons": ["slow"], "comment": "等了很久"})
    assert r.status == 200, r.body
    ticket = (await server.fetch(f"/api/v1/applications/{done}/ticket", token=token)).json["id"]
    r = await server.fetch(f"/api/v1/staff/tickets/{ticket}/callbacks", "POST", token=clerk,
                           json_body={"called_at": "2026-01-05T10:00:00+08:00", "result": "已致歉"})
    assert r.status == 200, r.body
    r = await server.fetch(f"/api/v1/staff/tickets/{ticket}/close", "POST", token=clerk,
                           json_body={"outcome": "rectified", "text": "已加快审核"})
    assert r.status == 200, r.body
    await page.reload()
    await page.locator(".verdict-solved").wait_for(timeout=15000)
    found += await problems_of(page, "detail-ticket", elder)
    assert found == [], "\n".join(found)


async def test_the_keyboard_reaches_the_menu_and_enter_opens_an_item(page):
    await page.goto(f"{page.server.base}/h5/")
    await page.locator(".grid-cell").first.wait_for(timeout=15000)
    for _ in range(60):
        await page.keyboard.press("Tab")
        if await page.evaluate("() => document.activeElement.classList.contains('grid-cell')"):
            break
    else:
        pytest.fail("Tab never reached a menu item")
    title = await page.evaluate("() => document.activeElement.innerText")
    outline = await page.evaluate("() => getComputedStyle(document.activeElement).outlineStyle")
    assert outline != "none"  # focus is visible
    await page.keyboard.press("Enter")
    await page.locator(".item-page .item-name").wait_for(timeout=10000)
    assert "pages/item/item" in page.url
    assert title.strip().splitlines()[0] in await page.locator(".item-name").inner_text() or title
    # Space operates a switch
    await page.goto(f"{page.server.base}/h5/")
    await page.locator(".elder-row").focus()
    await page.keyboard.press("Space")
    await page.locator(".home-page.elder").wait_for()


async def test_the_tab_bar_counts_unread_messages_and_a_message_opens_its_application(page):
    server = page.server
    token = await login(page, "13700009003")
    await verify(server, token)
    number, unread = await apply_and_accept(server, token)
    assert unread >= 1
    await page.goto(f"{server.base}/h5/")
    badge = page.locator(".tab-inbox .tab-badge")
    await badge.wait_for(timeout=10000)
    assert await badge.inner_text() == str(unread)
    assert await page.locator(".tab-inbox").get_attribute("aria-label") == f"消息，{unread} 条未读"
    assert await page.locator(".tab-home").get_attribute("aria-current") == "page"
    await shot(page, "tab-badge")

    await page.locator(".tab-inbox").click()
    message = page.locator(f'.message[data-number="{number}"]').first
    await message.wait_for(timeout=10000)
    assert "未读" in await message.inner_text()  # not colour alone
    await message.click()
    await page.locator(".detail-number", has_text=number).wait_for(timeout=10000)
    assert "pages/applications/detail" in page.url
    # the stepper: done, under way and to come, each said in words
    steps = page.locator(".detail-steps .step")
    assert await steps.count() == 5
    assert await page.locator(".step-status").all_inner_texts() == ["已完成", "已完成", "进行中", "待办理", "待办理"]
    assert await page.locator(".step-current").get_attribute("aria-current") == "step"
    assert (await page.locator(".step-at-complete .step-hint").inner_text()).startswith("承诺 ")
    await shot(page, "message-opened")

    # at 200 % zoom (half the CSS width) the page is still whole: nothing wider than the screen,
    # and the 办件编号 on one line
    await page.set_viewport_size({"width": 188, "height": 406})
    await page.locator(".detail-number").wait_for()
    await shot(page, "zoom-200")
    assert await page.evaluate("() => document.documentElement.scrollWidth <= window.innerWidth + 1")
    lines = await page.evaluate("""() => {
      const el = document.querySelector('.detail-number');
      return Math.round(el.getBoundingClientRect().height / parseFloat(getComputedStyle(el).lineHeight));
    }""")
    assert lines == 1
    await page.set_viewport_size({"width": 375, "height": 812})

    await page.go_back()
    await page.locator(f'.message[data-number="{number}"]').first.wait_for(timeout=10000)
    if unread == 1:
        await page.locator(".tab-inbox .tab-badge").wait_for(state="detached", timeout=10000)
    else:
        await page.locator(".tab-inbox .tab-badge", has_text=str(unread - 1)).wait_for(timeout=10000)


async def api_login(server, phone):
    r = await server.fetch("/api/v1/auth/app/otp", "POST", json_body={"phone": phone})
    assert r.status == 202, r.body
    code = (await server.fetch(f"/sandbox/sms/messages?phone={phone}")).json["messages"][-1]["params"]["code"]
    r = await server.fetch("/api/v1/auth/app", "POST", json_body={"phone": phone, "otp": code})
    assert r.status == 200, r.body
    return r.json["access_token"]


@pytest.mark.parametrize("elder", [False, True], ids=["standard", "elder"])
async def test_the_link_page_passes_axe(page, elder):
    """账号关联确认 needs a pending request: another account already holds the 身份证号 typed here."""
    server = page.server
    id_number = "11010519491231002X"
    await verify(server, await api_login(server, "13800009101" if elder else "13800009102"), id_number)
    await server.fetch("/sandbox/sms/messages", "DELETE")
    await switch_elder(page, elder)
    token = await login(page, "13700009101" if elder else "13700009102")
    name = (await server.fetch(f"/sandbox/identity/people/{id_number}")).json["name"]
    r = await server.fetch("/api/v1/me/realname", "POST", token=token, json_body={"name": name, "id_number": id_number})
    assert r.status == 202, r.body
    link = (await server.fetch("/api/v1/me", token=token)).json["links"]["outgoing"][0]["id"]
    await page.goto(f"{server.base}/h5/#/pages/link/link?id={link}")
    await page.locator(".proof-sms").wait_for(timeout=15000)
    await check(page, "link", elder)
