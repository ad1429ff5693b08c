import test from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import {
  blankField, conditionFields, conditionValues, departmentChoices, fieldPayload, filterItems, guideEditable, guidePayload, move, namesFrom,
  toEditable, toPayload,
} from '../js/forms.js';

// The demo catalog the server seeds (models/demo/items.json): real items with real forms.
const demoItems = JSON.parse(readFileSync(new URL('../../models/demo/items.json', import.meta.url), 'utf8'));

test('every demo item comes back unchanged through the editor', () => {
  assert.ok(demoItems.length > 10);
  for (const item of demoItems) {
    // what the server would return (FieldDefSchema's load default for `required`)
    const expected = { ...item, form: item.form.map((f) => ({ required: false, ...f })) };
    const { body, errors } = toPayload(toEditable({ ...item, version: 3, department_name: 'x', updated_by: 'y' }));
    assert.deepEqual(errors, {});
    assert.deepEqual(body, expected, item.code);
  }
});

test('a form field carries only the settings of its type', () => {
  const f = { ...blankField(), name: 'reason', label: '原因', type: 'choice', required: true, max_length: '20', min: '1',
    options: [{ value: ' lost ', label: '遗失' }, { value: 'broken', label: '损坏' }], multiple: false, help: ' 请选择 ' };
  assert.deepEqual(fieldPayload(f), { name: 'reason', label: '原因', type: 'choice', required: true,
    options: [{ value: 'lost', label: '遗失' }, { value: 'broken', label: '损坏' }], help: '请选择' });
  assert.equal(fieldPayload({ ...f, multiple: true }).multiple, true);
  // switched to text: options and multiple are dropped (the server refuses them there)
  assert.deepEqual(fieldPayload({ ...f, type: 'text' }), { name: 'reason', label: '原因', type: 'text', required: true, max_length: 20, help: '请选择' });
  assert.deepEqual(fieldPayload({ ...f, type: 'number', min: '0', max: '9.5' }),
    { name: 'reason', label: '原因', type: 'number', required: true, min: 0, max: 9.5, help: '请选择' });
  // a value that is not a number goes as typed, so the server names the field
  assert.equal(fieldPayload({ ...f, type: 'number', min: 'abc' }).min, 'abc');
});

test('a field marked sensitive keeps the mark; types that always are never carry it', () => {
  const f = { ...blankField(), name: 'member_name', label: '家庭成员姓名', type: 'text', sensitive: true };
  assert.equal(fieldPayload(f).sensitive, true);
  assert.equal('sensitive' in fieldPayload({ ...f, sensitive: false }), false);
  for (const type of ['id_number', 'phone', 'address']) assert.equal('sensitive' in fieldPayload({ ...f, type }), false, type);
  assert.equal(fieldPayload({ ...f, type: 'address', max_length: '200' }).max_length, 200);
});

test('blank fields get a name not used yet', () => {
  assert.equal(blankField([{ name: 'field_2' }, { name: 'x' }]).name, 'field_3');
  assert.equal(blankField([{ name: 'field_1' }]).name, 'field_2');
});

test('fee, keywords and kind-specific fields in the body', () => {
  const e = toEditable({ code: 'SB0099', name: '测试', kind: 'link', channels: ['app'], form: [], materials: [], status: 'draft' });
  Object.assign(e, { fee_yuan: '12.5', keywords_text: '社保，补卡', query: 'sb.should_be_dropped', link_url: ' https://example.gov.cn/ ' });
  const { body } = toPayload(e);
  assert.equal(body.fee_fen, 1250);
  assert.deepEqual(body.keywords, ['社保', '补卡']);
  assert.equal(body.query, null);
  assert.equal(body.link_url, 'https://example.gov.cn/');
  assert.equal(body.promise_days, null); // blank: the server says it is required
  e.category = '';
  assert.equal('category' in toPayload(e).body, false); // the server then says 此项为必填项
  e.fee_yuan = '1.234';
  assert.deepEqual(toPayload(e).errors, { fee_fen: ['请输入金额，最多两位小数'] });
});

test('reordering in place', () => {
  const list = ['a', 'b', 'c'];
  move(list, 0, 1);
  assert.deepEqual(list, ['b', 'a', 'c']);
  move(list, 0, -1);
  assert.deepEqual(list, ['b', 'a', 'c']);
  move(list, 2, -1);
  assert.deepEqual(list, ['b', 'c', 'a']);
});

test('list filters', () => {
  const items = demoItems.map((i) => ({ ...i }));
  items[0].status = 'draft';
  assert.deepEqual(filterItems(items, { search: '社保卡' }).every((i) => i.name.includes('社保卡') || i.keywords.some((k) => k.includes('社保卡'))), true);
  assert.ok(filterItems(items, { search: '社保卡' }).length > 0);
  const drafts = filterItems(items, { status: 'draft' }).map((i) => i.code);
  assert.deepEqual(drafts, items.filter((i) => i.status === 'draft').map((i) => i.code));
  assert.ok(drafts.includes(items[0].code));
  assert.ok(filterItems(items, { category: '交通', channel: 'alipay' }).every((i) => i.category === '交通' && i.channels.includes('alipay')));
  assert.deepEqual(filterItems(items, { search: 'sb0001' }).map((i) => i.code), ['SB0001']);
  assert.deepEqual(namesFrom([{ department: 'rsj', department_name: '市人社局' }, { department: 'jj' }], 'department', 'department_name'), { rsj: '市人社局' });
});

test('conditions name an earlier choice field and one of its values; the login phone only on a phone field', () => {
  const delivery = { ...blankField(), name: 'delivery', label: '领取方式', type: 'choice',
    options: [{ value: 'mail', label: '邮寄送达' }, { value: 'counter', label: '窗口领取' }] };
  const address = { ...blankField(), name: 'mail_address', label: '邮寄地址', type: 'address', shown_field: 'delivery',
    shown_equals: 'mail', required_field: 'delivery', required_equals: 'mail' };
  const phone = { ...blankField(), name: 'contact_phone', label: '联系电话', type: 'phone', prefill_phone: true };
  const fields = [delivery, address, phone];
  assert.deepEqual(conditionFields(fields, 0), []);
  assert.deepEqual(conditionFields(fields, 2).map((f) => f.name), ['delivery']);
  assert.deepEqual(conditionValues(fields, 'delivery').map((o) => o.value), ['mail', 'counter']);
  assert.deepEqual(conditionValues(fields, 'nothing'), []);
  const when = { field: 'delivery', equals: 'mail' };
  assert.deepEqual(fieldPayload(address), { name: 'mail_address', label: '邮寄地址', type: 'address', required: false,
    shown_when: when, required_when: when });
  assert.equal(fieldPayload(phone).prefill, 'login_phone');
  assert.equal('prefill' in fieldPayload({ ...phone, type: 'text' }), false);
});

test('the 办事指南: lines one per line, rows trimmed, no sample without a name', () => {
  const g = guideEditable(undefined);
  Object.assign(g, { conditions_text: ' 本市参保人员 \n\n 未持卡 ', basis_text: '《社会保险法》',
    fee_note: ' ', sample_name: '', sample_description: '不会发送' });
  g.phones.push({ label: ' 热线 ', number: ' 12333 ' });
  g.steps.push({ name: '申请', detail: '' });
  assert.deepEqual(guidePayload(g), { conditions: ['本市参保人员', '未持卡'], basis: ['《社会保险法》'], places: [],
    phones: [{ label: '热线', number: '12333' }], steps: [{ name: '申请', detail: '' }], fee_note: '', sample: null });
  g.sample_name = '社会保障卡';
  assert.deepEqual(guidePayload(g).sample, { name: '社会保障卡', description: '不会发送' });
});

test('an item may be put in an active department, and keeps the one it has', () => {
  const active = [{ code: 'rsj', name: '人社局' }, { code: 'new_dept', name: '新部门' }];
  assert.deepEqual(departmentChoices(active, ''), ['rsj', 'new_dept']);
  assert.deepEqual(departmentChoices(active, 'rsj'), ['rsj', 'new_dept']);
  assert.deepEqual(departmentChoices(active, 'old'), ['rsj', 'new_dept', 'old']);
});
