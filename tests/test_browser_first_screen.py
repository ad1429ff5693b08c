"""The h5's first screen at 375 px in Debian's chromium, with uni-h5's scripts held back as a slow
network holds them: the home page drawn from the page's own menu by the inline script (links that
work, an accessible 长辈版 switch, the chosen district), then replaced by the app when the scripts
arrive. `CI=1` runs it; `make client` builds the page."""

import pytest
from test_browser_a11y import AXE, AXE_RUN
from test_browser_h5 import CHROMIUM, H5, shot, stored

from support import phone_page, unless_present

pytestmark = unless_present(H5 / "index.html", CHROMIUM, AXE,
                            reason="needs `make client` and Debian's chromium (make test provides both)")

# 长辈版, measured in the page: text ≥ 18 px, every link and button at least 60 × 60 px (the blue
# title bar stands for uni's navigation bar, platform chrome, as in test_browser_a11y).
ELDER_MEASURE = """() => {
  const root = document.querySelector('.fs');
  const problems = [];
  const visible = (el) => { const r = el.getBoundingClientRect(); return r.width > 0 && r.height > 0; };
  const walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT);
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    const el = node.parentElement;
    if (!node.textContent.trim() || !visible(el) || el.closest('.fs-bar')) continue;
    const size = parseFloat(getComputedStyle(el).fontSize);
    if (size < 18) problems.push(`text ${size}px: ${node.textContent.trim().slice(0, 12)}`);
  }
  for (const el of root.querySelectorAll('a, button')) {
    const r = el.getBoundingClientRect();
    if (r.width < 59.5 || r.height < 59.5) {
      problems.push(`target ${Math.round(r.width)}x${Math.round(r.height)}: ${el.textContent.trim().slice(0, 12)}`);
    }
  }
  return problems;
}"""


@pytest.fixture
async def page(database, redis_server):
    async with phone_page(database, redis_server, init_script=AXE) as tab:
        yield tab


async def hold_scripts(page) -> list:
    """uni-h5's scripts and stylesheets wait until `release(page, held)`, as on a slow network: the
    first screen needs neither (a stylesheet in <head> would hold its script)."""
    held = []

    async def hold(route):
        if held and held[0] == "released":
            await route.continue_()
        else:
            held.append(route)

    await page.route("**/h5/assets/*.{js,css}", hold)
    return held


async def release(page, held):
    routes = list(held)
    held[:] = ["released"]
    for route in routes:
        await route.continue_()


def entries(menu):
    return [e for s in menu["sections"] for e in s["entries"]]


async def test_the_home_page_is_on_screen_before_the_scripts_and_the_app_takes_over(page):
    server = page.server
    menu = (await server.fetch("/api/v1/channels/app/menu")).json
    menus = []
    page.on("request", lambda r: menus.append(r.url) if "/channels/app/menu" in r.url else None)
    held = await hold_scripts(page)
    await page.goto(f"{server.base}/h5/", wait_until="commit")
    cells = page.locator("a.fs-cell, span.fs-cell")
    await cells.first.wait_for(timeout=15000)
    assert held and await page.locator(".grid-cell").count() == 0  # no app yet: this is the page itself
    assert await cells.count() == len(entries(menu))
    first = entries(menu)[0]
    assert await cells.first.get_attribute("href") == f"#/pages/item/item?code={first['item_code']}"
    assert first["title"] in await cells.first.inner_text()
    assert await page.evaluate(AXE_RUN) == []  # axe: no serious or critical finding
    await page.keyboard.press("Tab")
    assert await page.evaluate("document.activeElement.className") == "fs-search"  # focus starts at the top
    await shot(page, "first-screen")

    await release(page, held)
    await page.locator(".grid-cell").first.wait_for(timeout=20000)
    assert await page.locator(".fs").count() == 0  # Vue replaced it
    assert await page.locator(".grid-cell").count() == len(entries(menu))
    assert menus == []  # the app took the menu from the page instead of asking again


async def test_elder_mode_switched_on_the_first_screen_is_the_apps(page):
    server = page.server
    held = await hold_scripts(page)
    await page.goto(f"{server.base}/h5/", wait_until="commit")
    switch = page.get_by_role("switch", name="长辈版")
    await switch.wait_for(timeout=15000)
    assert await switch.get_attribute("aria-checked") == "false"
    await switch.click()
    await page.locator(".fs.fs-elder-mode").wait_for()
    assert await page.get_by_role("switch", name="长辈版").get_attribute("aria-checked") == "true"
    assert await page.evaluate("document.activeElement.getAttribute('role')") == "switch"  # focus stays on it
    assert await stored(page, "elder_mode") is True
    assert 3 <= await page.locator(".fs-elder-entry").count() <= 7 and await page.locator(".fs-cell").count() == 0
    assert await page.evaluate(ELDER_MEASURE) == []
    assert await page.evaluate(AXE_RUN) == []
    await release(page, held)
    await page.locator(".home-page.elder .elder-shortcuts .elder-entry").first.wait_for(timeout=20000)
    assert await page.locator('.elder-row[aria-checked="true"]').count() == 1


async def test_a_tap_before_the_scripts_opens_the_item_when_they_arrive(page):
    server = page.server
    held = await hold_scripts(page)
    await page.goto(f"{server.base}/h5/", wait_until="commit")
    cell = page.locator("a.fs-cell").first
    await cell.wait_for(timeout=15000)
    title = (await cell.inner_text()).split("\n")[0]
    await cell.click()
    assert "#/pages/item/item?code=" in page.url
    await release(page, held)
    await page.locator(".item-page").get_by_text(title).first.wait_for(timeout=20000)


async def test_a_chosen_district_comes_back_in_the_first_screen(page):
    server = page.server
    await page.goto(f"{server.base}/h5/")
    await page.get_by_role("button", name="所在地区：全市，点按切换").click(timeout=20000)
    await page.get_by_role("radio", name="滨江区").click()
    await page.get_by_role("button", name="所在地区：滨江区，点按切换").wait_for(timeout=10000)
    cookies = {c["name"]: c["value"] for c in await page.context.cookies()}
    assert cookies.get("h5_region") == "330108"
    held = await hold_scripts(page)
    await page.reload(wait_until="commit")
    await page.locator(".fs-region-value").get_by_text("滨江区").wait_for(timeout=15000)
    binjiang = (await server.fetch("/api/v1/channels/app/menu?region=330108")).json
    shown = await page.locator(".fs-cell .fs-title").all_inner_texts()
    assert shown == [e["title"] for e in entries(binjiang)]
    await release(page, held)
    await page.get_by_role("button", name="所在地区：滨江区，点按切换").wait_for(timeout=20000)


async def test_the_district_row_tapped_before_the_scripts_opens_the_picker_when_they_arrive(page):
    server = page.server
    held = await hold_scripts(page)
    await page.goto(f"{server.base}/h5/", wait_until="commit")
    row = page.get_by_role("link", name="所在地区：全市，点按切换")
    await row.wait_for(timeout=15000)
    await row.click()
    assert page.url.endswith("#/pages/index/index?choose=region")
    await release(page, held)
    await page.get_by_role("button", name="所在地区：全市，点按收起").wait_for(timeout=20000)
    await page.get_by_role("radio", name="滨江区").click()
    await page.get_by_role("button", name="所在地区：滨江区，点按切换").wait_for(timeout=10000)
