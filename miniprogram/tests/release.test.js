import { test } from 'node:test';
import assert from 'node:assert/strict';
import { apiBaseProblem, releaseProblems } from '../scripts/release-check.js';

const GOOD = { VITE_API_BASE: 'https://zwfw.example.gov.cn', WECHAT_APPID: 'wx0123456789abcdef', ALIPAY_APPID: '2021004123456789' };

test('a release with a public https domain and real AppIDs may go out', () => {
  assert.deepEqual(releaseProblems('mp-weixin', GOOD), []);
  assert.deepEqual(releaseProblems('mp-alipay', GOOD), []);
  assert.deepEqual(releaseProblems('h5', {}), []); // h5 served by the API calls its own origin
});

test('a loopback, plain http or missing API base is refused', () => {
  for (const base of ['http://127.0.0.1:8000', 'https://127.0.0.1', 'https://localhost:8443', 'https://[::1]', 'http://zwfw.example.gov.cn']) {
    for (const platform of ['mp-weixin', 'mp-alipay', 'h5']) {
      assert.ok(apiBaseProblem(base, platform), `${platform} ${base}`);
    }
  }
  assert.match(releaseProblems('mp-weixin', { ...GOOD, VITE_API_BASE: '' })[0], /VITE_API_BASE 未设置/);
  assert.match(releaseProblems('mp-weixin', { ...GOOD, VITE_API_BASE: 'http://127.0.0.1:8000' })[0], /https/);
  assert.match(releaseProblems('mp-weixin', { ...GOOD, VITE_API_BASE: 'https://10.0.0.5' })[0], /IP 地址/);
  assert.match(releaseProblems('mp-weixin', { ...GOOD, VITE_API_BASE: 'https://zwfw.example.gov.cn/api/v1' })[0], /只写协议和域名/);
  assert.match(releaseProblems('mp-weixin', { ...GOOD, VITE_API_BASE: 'not a url' })[0], /不是有效的网址/);
});

test('placeholder or malformed AppIDs are refused', () => {
  assert.match(releaseProblems('mp-weixin', { ...GOOD, WECHAT_APPID: 'wxdemominiapp' })[0], /演示/);
  assert.match(releaseProblems('mp-weixin', { ...GOOD, WECHAT_APPID: undefined })[0], /WECHAT_APPID 未设置/);
  assert.match(releaseProblems('mp-weixin', { ...GOOD, WECHAT_APPID: 'wx123' })[0], /格式不对/);
  assert.match(releaseProblems('mp-alipay', { ...GOOD, ALIPAY_APPID: '' })[0], /ALIPAY_APPID 未设置/);
  assert.match(releaseProblems('mp-alipay', { ...GOOD, ALIPAY_APPID: 'abc' })[0], /格式不对/);
  assert.equal(releaseProblems('mp-weixin', { VITE_API_BASE: 'http://127.0.0.1', WECHAT_APPID: 'wxdemominiapp' }).length, 2);
  assert.match(releaseProblems('app-plus', GOOD)[0], /未知平台/);
});
