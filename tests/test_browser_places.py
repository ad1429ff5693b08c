"""The resident h5 at 375 px in Debian's chromium: the first screen (skeleton, preloads, favicon),
the city/district choice kept on the device and sent with the menu and 热门事项, and 收藏 / 最近使用
(a favourite kept on the server and shown on 首页 and 我的). `CI=1` runs it; `make client` builds the page."""

import urllib.parse

import pytest
from test_browser_a11y import AXE, check, switch_elder
from test_browser_h5 import CHROMIUM, H5, login, shot, stored

from support import phone_page, unless_present

pytestmark = unless_present(H5 / "index.html", CHROMIUM, AXE,
                            reason="needs `make client` and Debian's chromium (make test provides both)")


@pytest.fixture
async def page(database, redis_server):
    async with phone_page(database, redis_server, init_script=AXE) as tab:
        yield tab


async def test_the_first_screen_draws_before_the_scripts_and_has_a_favicon(page):
    server = page.server
    html = (await server.fetch("/h5/")).body.decode()
    assert 'class="boot"' in html and 'rel="modulepreload"' in html and 'id="first-screen-data"' in html
    assert 'rel="preload" as="fetch" crossorigin="anonymous" href="/api/v1/items/hot?channel=app"' in html
    icon = await server.fetch("/h5/static/favicon.svg")
    assert icon.status == 200 and icon.headers["Content-Type"] == "image/svg+xml"
    menus = []
    page.on("request", lambda r: menus.append(r.url) if "/channels/app/menu" in r.url else None)
    await page.goto(f"{server.base}/h5/")
    await page.locator(".grid-cell").first.wait_for(timeout=15000)
    assert menus == []  # the menu came in the page (test_browser_first_screen.py)
    assert await page.locator(".boot").count() == 0  # Vue replaced the skeleton


async def test_a_district_is_chosen_kept_and_sent_with_the_menu_and_hot_items(page):
    server = page.server
    for _ in range(30):  # 电动自行车登记上牌 (上城、拱墅、西湖 only) becomes the most used item
        await server.fetch("/api/v1/items/JT0019?channel=app")
    sent = []
    page.on("request", lambda r: sent.append(urllib.parse.urlsplit(r.url)) if "/api/v1/" in r.url else None)
    await page.goto(f"{server.base}/h5/")
    hot = page.locator(".hot-row")
    await hot.first.wait_for(timeout=15000)
    assert await page.get_by_text("电动自行车登记上牌").count() == 1
    row = page.get_by_role("button", name="所在地区：全市，点按切换")
    await row.wait_for()
    await row.click()
    await page.get_by_role("radio", name="✓ 全市").wait_for()
    assert await page.get_by_role("radio", name="✓ 全市").get_attribute("aria-checked") == "true"
    await shot(page, "region-choice")
    await check(page, "region-choice", elder=False)  # axe: no serious or critical finding
    await page.get_by_role("radio", name="滨江区").click()
    await page.get_by_role("button", name="所在地区：滨江区，点按切换").wait_for(timeout=10000)
    await page.get_by_text("电动自行车登记上牌").wait_for(state="detached", timeout=10000)  # not offered in 滨江
    assert any(u.path.endswith("/items/hot") and "region=330108" in u.query for u in sent)
    assert any(u.path.endswith("/channels/app/menu") and "region=330108" in u.query for u in sent)
    assert str(await stored(page, "region")) == "330108"  # uni keeps a string as it is

    await page.reload()  # kept on the device
    await page.get_by_role("button", name="所在地区：滨江区，点按切换").wait_for(timeout=15000)
    await hot.first.wait_for(timeout=15000)
    assert await page.get_by_text("电动自行车登记上牌").count() == 0
    box = await page.locator(".region-row").bounding_box()
    assert box["width"] <= 375 and box["height"] >= 44

    await switch_elder(page, True)  # 长辈版: the choices are 60 × 60 px targets with large text
    await page.get_by_role("button", name="所在地区：滨江区，点按切换").click()
    await page.get_by_role("radio", name="✓ 滨江区").wait_for()
    await check(page, "region-choice", elder=True)


async def test_a_favourite_is_kept_and_shown_on_home_and_me_with_recent_items(page):
    server = page.server
    await login(page, "13700009876")
    await page.goto(f"{server.base}/h5/#/pages/item/item?code=SB0008")
    star = page.get_by_role("button", name="☆ 收藏")
    await star.wait_for(timeout=15000)
    await star.click()
    done = page.get_by_role("button", name="★ 已收藏")
    await done.wait_for(timeout=10000)
    assert await done.get_attribute("aria-pressed") == "true"
    await shot(page, "favourite")
    await page.goto(f"{server.base}/h5/")
    await page.locator(".grid-cell").first.wait_for(timeout=15000)
    await page.goto(f"{server.base}/h5/#/pages/item/item?code=JT0001")  # opened, not kept: 最近使用 only
    await page.get_by_role("button", name="☆ 收藏").wait_for(timeout=15000)

    await page.goto(f"{server.base}/h5/")
    favourites = page.locator(".favorites-card .favorite-row")
    await favourites.first.wait_for(timeout=15000)
    assert [t.strip() for t in await favourites.all_inner_texts()] == ["★ 社保卡挂失补换"]
    recent = page.locator(".recent-card .recent-row")
    assert [t.strip() for t in await recent.all_inner_texts()] == ["违法查询", "社保卡挂失补换"]
    assert [i["code"] for i in await stored(page, "recent_items")] == ["JT0001", "SB0008"]
    await shot(page, "home-favourites")
    await favourites.first.click()
    await page.get_by_role("button", name="★ 已收藏").wait_for(timeout=15000)  # read back from the server

    await page.goto(f"{server.base}/h5/#/pages/me/me")
    await page.locator(".favorites-card .favorite-row").first.wait_for(timeout=15000)
    assert (await page.locator(".favorites-card").inner_text()).count("社保卡挂失补换") == 1
    await shot(page, "me-favourites")

    await page.locator(".tab-bar").wait_for()
    await page.goto(f"{server.base}/h5/")
    await page.locator(".grid-cell").first.wait_for(timeout=15000)
    await page.goto(f"{server.base}/h5/#/pages/item/item?code=SB0008")
    await page.get_by_role("button", name="★ 已收藏").click()
    await page.get_by_role("button", name="☆ 收藏").wait_for(timeout=10000)
    await page.goto(f"{server.base}/h5/")
    await page.locator(".recent-card").wait_for(timeout=15000)
    assert await page.locator(".favorites-card").count() == 0
