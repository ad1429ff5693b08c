"""执法通 stamps each evidence photo on the device before hashing it: a photo chosen through the
camera's file input (a generated PNG) is stored as a JPEG with a dark band at its bottom (time, GPS,
inspector, case number in white); the server's file is that stamped one, it decodes, and its
SHA-256 is the one the evidence page shows. Same fixture as tests/test_browser_field.py."""

import hashlib
import io
import statistics

from PIL import Image
from test_browser_field import ARTIFACTS, log_in, new_case, page, pytestmark, shot  # noqa: F401 (fixture, skip rule)

LIGHT = (235, 232, 225)


def luminance(image, box):
    return statistics.median(image.crop(box).convert("L").get_flattened_data())


async def test_a_photo_is_stamped_before_it_is_hashed_and_uploaded(page):  # noqa: F811 (the fixture)
    server = page.server
    await log_in(page)
    case_id = await new_case(page)
    original = io.BytesIO()
    Image.new("RGB", (1200, 900), LIGHT).save(original, "PNG")
    async with page.expect_file_chooser() as chooser:
        await page.locator(".take-photo").click()
    await (await chooser.value).set_files({"name": "scene.png", "mimeType": "image/png", "buffer": original.getvalue()})
    await page.locator(".photo .badge", has_text="已上传").wait_for(timeout=20000)
    shown = (await page.locator(".photo .sha").inner_text()).removeprefix("SHA-256 ")
    await shot(page, "stamped")

    token = await server.login("inspector", "Inspector@2026")
    case = (await server.fetch(f"/api/v1/enforcement/cases/{case_id}", token=token)).json
    [item] = case["evidence"]
    assert item["sha256"] == shown and item["content_type"] == "image/jpeg"
    stored = await server.fetch(f"/api/v1/enforcement/cases/{case_id}/evidence/{shown}", token=token)
    assert stored.status == 200 and stored.body != original.getvalue()
    assert hashlib.sha256(stored.body).hexdigest() == shown  # the hash is of the stamped bytes
    image = Image.open(io.BytesIO(stored.body))
    image.load()  # decodes whole
    assert image.format == "JPEG" and image.size == (1200, 900)
    image.save(ARTIFACTS / "field-stamped-photo.jpg")  # to look at

    # the band: dark at the bottom (the padding under the last line), the rest of the photo untouched
    assert luminance(image, (0, 888, 1200, 900)) < 110
    assert luminance(image, (0, 800, 1200, 900)) < 140  # text is a minority of the band's pixels
    assert luminance(image, (0, 0, 1200, 500)) > 220
    # white text on it: some pixels of the band are near white
    band = image.crop((0, 760, 1200, 900)).convert("L")
    assert max(band.get_flattened_data()) > 230

    assert (await server.fetch(f"/api/v1/enforcement/cases/{case_id}/verify", token=token)).json["ok"]
