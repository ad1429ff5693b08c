import { test } from 'node:test';
import assert from 'node:assert/strict';

import {
  charLength, choiceWidget, fieldsInForce, firstError, formPayload, initialValues, materialsPayload, prefilled,
  serverErrors, validateField, validateForm, validateMaterials, validIdNumber18, validPlateForForm,
} from '../src/common/form.js';

const f = (type, extra = {}) => ({ name: 'x', label: 'X', type, ...extra });

test('required fields: empty, blank and missing are all 此项为必填项', () => {
  for (const type of ['text', 'textarea', 'address', 'number', 'date', 'phone', 'plate', 'id_number', 'file']) {
    assert.equal(validateField(f(type, { required: true }), ''), '此项为必填项', type);
    assert.equal(validateField(f(type, { required: true }), '   '), '此项为必填项', type);
  }
  assert.equal(validateField(f('choice', { required: true, multiple: true, options: [] }), []), '此项为必填项');
  assert.equal(validateField(f('bool', { required: true }), null), '此项为必填项');
  assert.equal(validateField(f('phone'), ''), '', 'optional and empty is fine');
});

test('text limits count characters like the server (code points), default 200 / 2000', () => {
  assert.equal(charLength('𠀀𠀀'), 2);
  assert.equal(validateField(f('text', { max_length: 3 }), '浙江省'), '');
  assert.equal(validateField(f('text', { max_length: 3 }), '浙江省杭'), '不能超过3个字');
  assert.equal(validateField(f('text'), 'a'.repeat(201)), '不能超过200个字');
  assert.equal(validateField(f('textarea'), 'a'.repeat(2000)), '');
  assert.equal(validateField(f('textarea'), 'a'.repeat(2001)), '不能超过2000个字');
  // an address is a textarea on the phone
  assert.equal(validateField(f('address'), 'a'.repeat(2001)), '不能超过2000个字');
  assert.equal(validateField(f('address', { max_length: 5 }), '浙江省杭州市'), '不能超过5个字');
  assert.deepEqual(formPayload([f('address')], { x: ' 文三路100号 ' }), { x: '文三路100号' });
});

test('numbers: 请输入数字 and the range message', () => {
  assert.equal(validateField(f('number'), 'abc'), '请输入数字');
  assert.equal(validateField(f('number'), '1e3'), '请输入数字');
  assert.equal(validateField(f('number', { min: 1, max: 6 }), '7'), '数值须在1到6之间');
  assert.equal(validateField(f('number', { min: 1.0, max: 6.0 }), '0'), '数值须在1到6之间');
  assert.equal(validateField(f('number', { min: 1 }), '0.5'), '数值不能小于1');
  assert.equal(validateField(f('number', { max: 6 }), '7'), '数值不能大于6');
  assert.equal(validateField(f('number', { min: 1, max: 6 }), '6'), '');
});

test('dates, choices, phones, plates, 身份证号 and booleans', () => {
  assert.equal(validateField(f('date'), '2026-02-30'), '日期格式应为 YYYY-MM-DD');
  assert.equal(validateField(f('date'), '2026/01/05'), '日期格式应为 YYYY-MM-DD');
  assert.equal(validateField(f('date'), '2024-02-29'), '');
  const options = [{ value: 'a', label: 'A' }, { value: 'b', label: 'B' }];
  assert.equal(validateField(f('choice', { options }), 'c'), '请从选项中选择');
  assert.equal(validateField(f('choice', { options, multiple: true }), ['a', 'z']), '请从选项中选择');
  assert.equal(validateField(f('choice', { options, multiple: true }), ['a', 'b']), '');
  assert.equal(validateField(f('phone'), '12800001111'), '手机号码格式不正确');
  assert.equal(validateField(f('phone'), '13800001111'), '');
  assert.equal(validateField(f('plate'), '浙A1234I'), '车牌号格式不正确');
  assert.equal(validateField(f('plate'), '浙a12345'), '', 'upper-cased like the server would need');
  assert.equal(validateField(f('id_number'), '330106195508163315'), '身份证号码不正确');
  assert.equal(validateField(f('id_number'), '330106195508163314'), '');
  assert.equal(validateField(f('bool', { required: true }), false), '');
  assert.equal(validateField(f('bool'), 'yes'), '请选择是或否');
});

test('plates for forms accept trailers and new-energy plates; 身份证号 needs a real birth date', () => {
  for (const ok of ['浙A12345', '浙A1234挂', '浙AD12345', '浙A12345F', '粤B1234港']) assert.ok(validPlateForForm(ok), ok);
  for (const bad of ['浙I12345', '浙A1234', '浙AD1234O', 'AA12345']) assert.ok(!validPlateForForm(bad), bad);
  assert.ok(!validIdNumber18('11010519491331002X')); // 13th month, whatever the checksum
});

test('the payload leaves out empty optional fields and types the rest', () => {
  const form = [
    f('text', { name: 'name' }), f('number', { name: 'babies' }), f('date', { name: 'day' }),
    f('plate', { name: 'plate' }), f('choice', { name: 'ins', multiple: true, options: [{ value: 'a', label: 'A' }] }),
    f('bool', { name: 'training' }), f('file', { name: 'photo' }), f('phone', { name: 'phone' }),
  ];
  const values = { ...initialValues(form), name: ' 张三 ', babies: '2', plate: '浙a12345', ins: ['a'], training: false, photo: { upload_id: 'u1', filename: 'a.jpg' } };
  assert.deepEqual(initialValues(form), { name: '', babies: '', day: '', plate: '', ins: [], training: null, photo: '', phone: '' });
  assert.deepEqual(formPayload(form, values), { name: '张三', babies: 2, plate: '浙A12345', ins: ['a'], training: false, photo: 'u1' });
  assert.deepEqual(validateForm(form, values), {});
});

test('materials: required ones must be chosen; the payload follows the item order', () => {
  const materials = [{ code: 'id_card', name: '居民身份证', required: true }, { code: 'photo', name: '照片', required: false }];
  assert.deepEqual(validateMaterials(materials, {}), { id_card: '请上传居民身份证' });
  const chosen = { photo: { upload_id: 'p1' }, id_card: { upload_id: 'i1' } };
  assert.deepEqual(validateMaterials(materials, chosen), {});
  assert.deepEqual(materialsPayload(materials, chosen), [{ code: 'id_card', upload_id: 'i1' }, { code: 'photo', upload_id: 'p1' }]);
});

test('server 422 details map to fields, materials (by code or index) and the rest', () => {
  const sent = [{ code: 'id_card', upload_id: 'x' }, { code: 'photo', upload_id: 'y' }];
  const mapped = serverErrors({
    'form.phone': ['手机号码格式不正确'],
    'form.ins[0]': ['请从选项中选择'],
    'materials.household': ['请上传户口簿'],
    'materials[1].upload_id': ['文件不存在'],
    'materials[5].code': ['该事项不需要此材料'],
    'item_code': ['此项为必填项', '长度不能超过 20'],
  }, sent);
  assert.deepEqual(mapped.fields, { phone: '手机号码格式不正确', ins: '请从选项中选择' });
  assert.deepEqual(mapped.materials, { household: '请上传户口簿', photo: '文件不存在' });
  assert.deepEqual(mapped.other, ['该事项不需要此材料', '此项为必填项；长度不能超过 20']);
});

test('short option lists are chips, long single choices a picker', () => {
  const opts = (n) => Array.from({ length: n }, (_, i) => ({ value: `v${i}`, label: `L${i}` }));
  assert.equal(choiceWidget(f('choice', { options: opts(5) })), 'chips');
  assert.equal(choiceWidget(f('choice', { options: opts(6) })), 'picker');
  assert.equal(choiceWidget(f('choice', { options: opts(9), multiple: true })), 'chips');
});

const DELIVERY = {
  name: 'delivery', label: '领取方式', type: 'choice', required: true,
  options: [{ value: 'mail', label: '邮寄送达' }, { value: 'counter', label: '窗口领取' }],
};
const MAIL = { field: 'delivery', equals: 'mail' };
const ADDRESS = { name: 'mail_address', label: '邮寄地址', type: 'address', shown_when: MAIL, required_when: MAIL };
const PHONE = { name: 'contact_phone', label: '联系电话', type: 'phone', required: true, prefill: 'login_phone' };
const CONDITIONAL = [DELIVERY, ADDRESS, PHONE];

test('a field shown and required only when another has a value (as the server decides)', () => {
  const names = (values) => fieldsInForce(CONDITIONAL, values).map((s) => `${s.name}${s.required ? '*' : ''}`);
  assert.deepEqual(names({ delivery: '' }), ['delivery*', 'contact_phone*']);
  assert.deepEqual(names({ delivery: 'counter' }), ['delivery*', 'contact_phone*']);
  assert.deepEqual(names({ delivery: 'mail' }), ['delivery*', 'mail_address*', 'contact_phone*']);
  const chained = [DELIVERY, ADDRESS, { name: 'floor', label: '楼层', type: 'text', shown_when: { field: 'mail_address', equals: 'x' } }];
  assert.deepEqual(fieldsInForce(chained, { delivery: 'counter', mail_address: 'x' }).map((s) => s.name), ['delivery']);
  const multiple = [{ ...DELIVERY, multiple: true }, ADDRESS];
  assert.deepEqual(fieldsInForce(multiple, { delivery: ['counter', 'mail'] }).map((s) => s.name), ['delivery', 'mail_address']);
});

test('a hidden field is neither checked nor sent; a condition met makes it required', () => {
  const values = { delivery: 'mail', mail_address: '', contact_phone: '13812345678' };
  assert.deepEqual(validateForm(CONDITIONAL, values), { mail_address: '此项为必填项' });
  const counter = { ...values, delivery: 'counter', mail_address: '浙江省杭州市文三路1号' };
  assert.deepEqual(validateForm(CONDITIONAL, counter), {});
  assert.deepEqual(formPayload(CONDITIONAL, counter), { delivery: 'counter', contact_phone: '13812345678' });
});

test('the first field in error, in the form order; the login phone fills an empty contact phone', () => {
  assert.equal(firstError(CONDITIONAL, { contact_phone: 'x', mail_address: 'y' }), 'mail_address');
  assert.equal(firstError(CONDITIONAL, {}), '');
  assert.deepEqual(prefilled(CONDITIONAL, { contact_phone: '' }, { phone: '13912345678' }), { contact_phone: '13912345678' });
  assert.deepEqual(prefilled(CONDITIONAL, { contact_phone: '13800000000' }, { phone: '13912345678' }), {});
  assert.deepEqual(prefilled(CONDITIONAL, { contact_phone: '' }, { phone: null }), {});
  assert.deepEqual(prefilled([{ ...PHONE, prefill: undefined }], {}, { phone: '13912345678' }), {});
});

test('plate fields: the province is asked for first, new-energy plates pass', () => {
  assert.equal(validateField(f('plate'), 'A12345'), '请先选择省份简称');
  assert.equal(validateField(f('plate'), '浙a·d12345'), '');
  assert.equal(formPayload([f('plate')], { x: '浙a·d12345' }).x, '浙AD12345');
});
