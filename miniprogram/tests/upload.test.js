import { test } from 'node:test';
import assert from 'node:assert/strict';

import { createDownloader, createUploader, localFileError, MAX_UPLOAD_BYTES } from '../src/common/upload.js';
import { chooseOne } from '../src/common/uni-adapter.js';

function fakeUploadFile(...answers) {
  const calls = [];
  const uploadFile = (options) => {
    calls.push(options);
    const next = answers[Math.min(calls.length - 1, answers.length - 1)];
    if (next === 'offline') options.fail({ errMsg: 'uploadFile:fail' });
    else options.success(next);
  };
  return { calls, uploadFile };
}

const created = { statusCode: 201, data: JSON.stringify({ id: 'u1', filename: 'id.jpg', content_type: 'image/jpeg', size: 10 }) };

test('local checks mirror the server limits', () => {
  assert.equal(localFileError({ size: MAX_UPLOAD_BYTES + 1, type: 'image/jpeg' }), '文件不能超过 10 MB');
  assert.equal(localFileError({ size: 10, type: 'image/gif' }), '只支持 JPG、PNG 图片和 PDF 文件');
  assert.equal(localFileError({ name: 'scan.heic' }), '只支持 JPG、PNG 图片和 PDF 文件');
  assert.equal(localFileError({ name: 'scan.PDF', size: 10 }), '');
  assert.equal(localFileError({ path: 'blob:http://x/1' }), '', 'no name, no type: the server decides');
});

test('uploads as multipart field `file` with the bearer token', async () => {
  const { calls, uploadFile } = fakeUploadFile(created);
  const upload = createUploader({ baseUrl: 'https://gov.example.cn', uploadFile, getToken: () => 'tok' });
  const answer = await upload({ path: 'wxfile://tmp/1.jpg', size: 100, type: 'image/jpeg' });
  assert.equal(answer.id, 'u1');
  assert.equal(calls[0].url, 'https://gov.example.cn/api/v1/uploads');
  assert.equal(calls[0].name, 'file');
  assert.equal(calls[0].filePath, 'wxfile://tmp/1.jpg');
  assert.deepEqual(calls[0].header, { Authorization: 'Bearer tok' });
});

test('the server\'s Chinese message comes back; odd bodies get a Chinese fallback', async () => {
  const refused = { statusCode: 415, data: JSON.stringify({ error: { code: 'upload.unsupported_type', message: '只支持 JPG、PNG 图片和 PDF 文件' } }) };
  let upload = createUploader({ baseUrl: '', ...fakeUploadFile(refused), getToken: () => 't' });
  await assert.rejects(upload({ path: 'a' }), { status: 415, code: 'upload.unsupported_type', message: '只支持 JPG、PNG 图片和 PDF 文件' });
  upload = createUploader({ baseUrl: '', ...fakeUploadFile({ statusCode: 413, data: '<html>too large</html>' }), getToken: () => 't' });
  await assert.rejects(upload({ path: 'a' }), { status: 413, message: '文件不能超过 10 MB' });
  upload = createUploader({ baseUrl: '', ...fakeUploadFile('offline'), getToken: () => 't' });
  await assert.rejects(upload({ path: 'a' }), { status: 0, code: 'network', message: '网络异常，文件上传失败，请重试' });
  const { calls, uploadFile } = fakeUploadFile(created);
  upload = createUploader({ baseUrl: '', uploadFile, getToken: () => 't' });
  await assert.rejects(upload({ path: 'a', size: MAX_UPLOAD_BYTES * 2 }), { message: '文件不能超过 10 MB' });
  assert.equal(calls.length, 0, 'refused before sending');
});

test('an expired token is renewed once and the upload replayed with the new one', async () => {
  const expired = { statusCode: 401, data: JSON.stringify({ error: { code: 'auth.token_expired', message: '登录已过期' } }) };
  const { calls, uploadFile } = fakeUploadFile(expired, created);
  let token = 'old';
  let renewals = 0;
  const upload = createUploader({ baseUrl: '', uploadFile, getToken: () => token, renew: async () => { renewals += 1; token = 'new'; } });
  assert.equal((await upload({ path: 'a' })).id, 'u1');
  assert.equal(renewals, 1);
  assert.deepEqual(calls.map((c) => c.header.Authorization), ['Bearer old', 'Bearer new']);

  const twice = fakeUploadFile(expired, expired);
  const again = createUploader({ baseUrl: '', uploadFile: twice.uploadFile, getToken: () => 't', renew: async () => {} });
  await assert.rejects(again({ path: 'a' }), { status: 401, message: '登录已过期' });
  assert.equal(twice.calls.length, 2, 'replayed once, never looped');
});

test('downloads with the token; a 404 reads as a Chinese message', async () => {
  const calls = [];
  const downloadFile = (options) => {
    calls.push(options);
    options.success(calls.length === 1 ? { statusCode: 200, tempFilePath: 'blob:1' } : { statusCode: 404, tempFilePath: '' });
  };
  const download = createDownloader({ baseUrl: 'https://g.cn', downloadFile, getToken: () => 'tok' });
  assert.equal(await download('/api/v1/applications/N/result'), 'blob:1');
  assert.deepEqual(calls[0].header, { Authorization: 'Bearer tok' });
  assert.equal(calls[0].url, 'https://g.cn/api/v1/applications/N/result');
  await assert.rejects(download('/x'), { status: 404, message: '文件不存在或已删除' });
});

test('chooseOne gives one file, null when cancelled, a Chinese error otherwise', async () => {
  const pick = (answer) => (options) => (answer.errMsg ? options.fail(answer) : options.success(answer));
  assert.deepEqual(await chooseOne(pick({ tempFilePaths: ['p1'], tempFiles: [{ path: 'p1', size: 5 }] })), { path: 'p1', size: 5, type: '', name: '', file: undefined });
  assert.deepEqual(await chooseOne(pick({ tempFilePaths: ['p2'] })), { path: 'p2', size: undefined, type: '', name: '', file: undefined });
  assert.equal(await chooseOne(pick({ errMsg: 'chooseImage:fail cancel' })), null);
  await assert.rejects(chooseOne(pick({ errMsg: 'chooseImage:fail auth deny' })), { message: '无法选择文件，请检查相册或相机权限' });
});
