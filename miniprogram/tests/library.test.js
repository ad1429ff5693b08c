import { test } from 'node:test';
import assert from 'node:assert/strict';
import { entryPath, entryView, uploadContentPath, withdrawMessage } from '../src/common/library.js';

test('an image entry: name, Beijing time it was filed, the application it came from', () => {
  const view = entryView({
    code: 'id_card', name: '居民身份证', upload_id: 'abc', content_type: 'image/png',
    from_application: 'SB20260105000001', added_at: '2026-01-05T02:30:00+00:00',
  });
  assert.deepEqual(view, {
    code: 'id_card', name: '居民身份证', uploadId: 'abc', isImage: true, badge: '图片',
    added: '保存于 2026-01-05 10:30', from: 'SB20260105000001',
  });
});

test('a PDF, and an entry missing optional fields', () => {
  assert.equal(entryView({ code: 'r', name: '结果', content_type: 'application/pdf' }).badge, 'PDF');
  const bare = entryView({ code: 'hukou' });
  assert.equal(bare.name, 'hukou');
  assert.equal(bare.badge, '文件');
  assert.equal(bare.isImage, false);
  assert.equal(bare.added, '');
  assert.equal(bare.from, '');
});

test('paths are escaped', () => {
  assert.equal(entryPath('id_card'), '/api/v1/me/materials/id_card');
  assert.equal(entryPath('a/b'), '/api/v1/me/materials/a%2Fb');
  assert.equal(uploadContentPath('0f'), '/api/v1/uploads/0f/content');
});

test('the withdrawal confirm says everything goes', () => {
  assert.equal(withdrawMessage(2), '关闭后，材料库中的 2 份材料将全部删除，且不可恢复；以后审核通过的材料也不再保存。确定关闭吗？');
  assert.match(withdrawMessage(0), /材料库将被清空/);
});
