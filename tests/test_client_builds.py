"""The mini-program builds nobody can open here (no WeChat or Alipay devtools): every page of
pages.json is in each build with its four files, and each build is for its own channel."""

import json
import pathlib

import pytest

from support import unless_present

ROOT = pathlib.Path(__file__).resolve().parent.parent / "miniprogram"
BUILD = ROOT / "dist" / "build"
PLATFORMS = {  # build folder: (channel baked into the build, template, style)
    "mp-weixin": ("wechat", "wxml", "wxss"),
    "mp-alipay": ("alipay", "axml", "acss"),
}


def pages() -> list[str]:
    return [p["path"] for p in json.loads((ROOT / "src" / "pages.json").read_text())["pages"]]


@unless_present(*(BUILD / p / "app.json" for p in PLATFORMS), reason="needs `make client` (the mini-program builds)")
@pytest.mark.parametrize("platform", sorted(PLATFORMS))
def test_every_page_is_built(platform):
    out = BUILD / platform
    channel, template, style = PLATFORMS[platform]
    assert json.loads((out / "app.json").read_text())["pages"] == pages()
    for page in pages():
        for ext in ("js", "json", template, style):
            built = out / f"{page}.{ext}"
            assert built.exists(), built
        assert (out / f"{page}.{template}").stat().st_size > 0, page
    api = (out / "api.js").read_text()
    other = next(c for p, (c, _, _) in PLATFORMS.items() if p != platform)
    assert f'"{channel}"' in api and f'"{other}"' not in api  # the channel is fixed per build
    # the subscribe request is compiled into the apply page of both mini-programs
    assert "requestSubscribeMessage" in (out / "pages" / "apply" / "apply.js").read_text()
