import { describe, expect, test } from 'vitest';
import Apply from '../../src/pages/apply/apply.vue';
import FormField from '../../src/components/form-field.vue';
import { apiError, callsTo, on, state, uniApi } from './fake-api.js';
import { mountPage, settle, texts } from './helpers.js';

const ITEM = {
  code: 'SB0008',
  name: '社保卡挂失补换',
  kind: 'application',
  department: 'rsj',
  department_name: '市人力资源和社会保障局',
  promise_days: 10,
  form: [
    { name: 'business', label: '办理业务', type: 'choice', required: true,
      options: [{ value: 'report_loss', label: '仅挂失' }, { value: 'reissue', label: '挂失并补卡' }] },
    { name: 'mail_address', label: '邮寄地址', type: 'address', required: false, max_length: 10, help: '选择邮寄送达时必填' },
    { name: 'babies', label: '胎儿数', type: 'number', min: 1, max: 6 },
    { name: 'contact_phone', label: '联系电话', type: 'phone', required: true },
  ],
  materials: [
    { code: 'id_card', name: '居民身份证', required: true },
    { code: 'photo_1inch', name: '近期免冠一寸白底彩色照片', required: false, note: '公安部门已留存照片的免于提交' },
  ],
};
const VERIFIED = { realname: { status: 'verified', name: '张*' } };
const APPLICATION = { number: 'SB20260105000001', state: 'submitted', version: 1 };

function routes({ me = VERIFIED, library = [] } = {}) {
  on('GET', '/api/v1/items/SB0008', ITEM);
  on('GET', '/api/v1/me', me);
  on('GET', '/api/v1/me/materials', { consent: true, materials: library });
  on('POST', '/api/v1/applications', APPLICATION);
}

async function fillValid(wrapper) {
  await wrapper.findAll('[data-name="business"] .chip')[1].trigger('click');
  await wrapper.find('[data-name="contact_phone"] input').setValue('13800001111');
}

async function uploadIdCard(wrapper) {
  state.photo = { path: 'blob:id-card', size: 2048, type: 'image/jpeg', name: 'id.jpg' };
  await wrapper.find('[data-code="id_card"] .upload-photo').trigger('click');
  await settle();
}

describe('apply page', () => {
  test('renders the form fields and materials of the item', async () => {
    routes();
    const wrapper = await mountPage(Apply, { code: 'SB0008' });
    expect(wrapper.find('.apply-name').text()).toBe('社保卡挂失补换');
    expect(wrapper.find('.apply-head').text()).toContain('承诺 10 个工作日办结');
    expect(texts(wrapper, '.form-field .field-label')).toEqual(['*办理业务', '邮寄地址', '胎儿数', '*联系电话']);
    expect(texts(wrapper, '[data-name="business"] .chip')).toEqual(['仅挂失', '挂失并补卡']);
    expect(wrapper.find('[data-name="mail_address"] textarea').exists()).toBe(true); // an address is a textarea
    expect(wrapper.find('[data-name="mail_address"]').text()).toContain('选择邮寄送达时必填');
    expect(texts(wrapper, '.upload-title')).toEqual(['居民身份证', '近期免冠一寸白底彩色照片']);
    expect(wrapper.find('[data-code="id_card"] .tag').text()).toBe('必需');
    expect(wrapper.find('[data-code="photo_1inch"]').text()).toContain('公安部门已留存照片的免于提交');
    expect(callsTo('GET', '/api/v1/items/SB0008')[0].query).toEqual({ channel: 'app' });
  });

  test('a resident without real name is sent to the real-name page first', async () => {
    routes({ me: { realname: { status: 'unverified' } } });
    const wrapper = await mountPage(Apply, { code: 'SB0008' });
    expect(uni.redirectTo).toHaveBeenCalledWith({
      url: '/pages/realname/realname?redirect=pages%2Fapply%2Fapply%3Fcode%3DSB0008',
    });
    expect(wrapper.find('.apply-form').exists()).toBe(false);
  });

  test('without a login it asks to log in and loads nothing', async () => {
    routes();
    state.loggedIn = false;
    const wrapper = await mountPage(Apply, { code: 'SB0008' });
    expect(wrapper.text()).toContain('登录后才能在线办理');
    expect(state.calls).toHaveLength(0);
  });

  test('client-side messages mirror the server and nothing is sent', async () => {
    routes();
    const wrapper = await mountPage(Apply, { code: 'SB0008' });
    await wrapper.find('[data-name="mail_address"] textarea').setValue('浙江省杭州市西湖区文三路100号');
    await wrapper.find('[data-name="babies"] input').setValue('9');
    await wrapper.find('[data-name="contact_phone"] input').setValue('12345');
    await wrapper.find('.apply-submit').trigger('click');
    await settle();
    expect(wrapper.find('[data-name="business"] .field-error').text()).toBe('此项为必填项');
    expect(wrapper.find('[data-name="mail_address"] .field-error').text()).toBe('不能超过10个字');
    expect(wrapper.find('[data-name="babies"] .field-error').text()).toBe('数值须在1到6之间');
    expect(wrapper.find('[data-name="contact_phone"] .field-error').text()).toBe('手机号码格式不正确');
    expect(wrapper.find('[data-code="id_card"] .upload-error').text()).toBe('请上传居民身份证');
    expect(wrapper.find('[data-code="photo_1inch"] .upload-error').exists()).toBe(false);
    expect(wrapper.find('.apply-error').text()).toContain('请按提示修改后再提交');
    expect(callsTo('POST', '/api/v1/applications')).toHaveLength(0);

    // each fix clears its message; the summary goes with the last one
    await wrapper.findAll('[data-name="business"] .chip')[0].trigger('click');
    expect(wrapper.find('[data-name="business"] .field-error').exists()).toBe(false);
    expect(wrapper.find('.apply-error').exists()).toBe(true);
    await wrapper.find('[data-name="mail_address"] textarea').setValue('文三路100号');
    await wrapper.find('[data-name="babies"] input').setValue('2');
    await wrapper.find('[data-name="contact_phone"] input').setValue('13800001111');
    await uploadIdCard(wrapper);
    expect(wrapper.find('.apply-error').exists()).toBe(false);
  });

  test('uploads a photo and submits the payload with an idempotency key, then opens the detail', async () => {
    routes();
    const wrapper = await mountPage(Apply, { code: 'SB0008' });
    await fillValid(wrapper);
    await uploadIdCard(wrapper);
    expect(wrapper.find('[data-code="id_card"] .upload-filename').text()).toBe('photo.jpg');
    expect(wrapper.find('[data-code="id_card"] .upload-preview').attributes('src')).toBe('blob:id-card');
    await wrapper.find('.apply-submit').trigger('click');
    await settle();
    const [call] = callsTo('POST', '/api/v1/applications');
    expect(call.body).toEqual({
      item_code: 'SB0008',
      form: { business: 'reissue', contact_phone: '13800001111' },
      materials: [{ code: 'id_card', upload_id: 'up-blob:id-card' }],
    });
    expect(call.options.idempotent).toMatch(/^[0-9a-f-]{36}$/);
    expect(uni.redirectTo).toHaveBeenCalledWith({ url: '/pages/apply/done?number=SB20260105000001&days=10' });
    // h5: no subscribe messages at all
    expect(uniApi.requestSubscribeMessage).not.toHaveBeenCalled();
    expect(callsTo('POST', '/api/v1/me/subscriptions')).toHaveLength(0);
  });

  test('reuses a material from the library', async () => {
    routes({ library: [{ code: 'id_card', name: '居民身份证', upload_id: 'lib-1', content_type: 'image/png', from_application: 'SB20250101000001' }] });
    const wrapper = await mountPage(Apply, { code: 'SB0008' });
    expect(wrapper.find('[data-code="photo_1inch"] .upload-reuse').exists()).toBe(false);
    await wrapper.find('[data-code="id_card"] .upload-reuse').trigger('click');
    expect(wrapper.find('[data-code="id_card"]').text()).toContain('来自材料库');
    await fillValid(wrapper);
    await wrapper.find('.apply-submit').trigger('click');
    await settle();
    expect(callsTo('POST', '/api/v1/applications')[0].body.materials).toEqual([{ code: 'id_card', upload_id: 'lib-1' }]);
  });

  test('shows an upload refused by the server beside the material', async () => {
    routes();
    state.upload = () => Promise.reject(apiError(415, 'upload.unsupported_type', '只支持 JPG、PNG 图片和 PDF 文件'));
    const wrapper = await mountPage(Apply, { code: 'SB0008' });
    await uploadIdCard(wrapper);
    expect(wrapper.find('[data-code="id_card"] .upload-error').text()).toBe('只支持 JPG、PNG 图片和 PDF 文件');
    expect(wrapper.find('[data-code="id_card"] .upload-done').exists()).toBe(false);
  });

  test('server 422 field and material errors are shown beside the fields', async () => {
    routes();
    on('POST', '/api/v1/applications', apiError(422, 'validation_failed', '表单填写有误', {
      'form.contact_phone': ['手机号码格式不正确'],
      'materials[0].upload_id': ['文件不存在'],
      'item_code': ['长度不能超过 20'],
    }));
    const wrapper = await mountPage(Apply, { code: 'SB0008' });
    await fillValid(wrapper);
    await uploadIdCard(wrapper);
    await wrapper.find('.apply-submit').trigger('click');
    await settle();
    expect(wrapper.find('[data-name="contact_phone"] .field-error').text()).toBe('手机号码格式不正确');
    expect(wrapper.find('[data-code="id_card"] .upload-error').text()).toBe('文件不存在');
    expect(wrapper.find('.apply-error').text()).toContain('表单填写有误');
    expect(wrapper.find('.apply-error').text()).toContain('长度不能超过 20');
    expect(uni.redirectTo).not.toHaveBeenCalled();
  });

  test('resending the same content after a failure keeps the idempotency key; new content gets a new one', async () => {
    routes();
    on('POST', '/api/v1/applications', apiError(0, 'network', '网络异常，请检查网络后重试'));
    const wrapper = await mountPage(Apply, { code: 'SB0008' });
    await fillValid(wrapper);
    await uploadIdCard(wrapper);
    await wrapper.find('.apply-submit').trigger('click');
    await settle();
    expect(wrapper.find('.apply-error').text()).toContain('网络异常，请检查网络后重试');
    await wrapper.find('.apply-submit').trigger('click');
    await settle();
    await wrapper.find('[data-name="contact_phone"] input').setValue('13900002222');
    await wrapper.find('.apply-submit').trigger('click');
    await settle();
    const keys = callsTo('POST', '/api/v1/applications').map((c) => c.options.idempotent);
    expect(keys).toHaveLength(3);
    expect(keys[1]).toBe(keys[0]);
    expect(keys[2]).not.toBe(keys[0]);
  });

  describe('on WeChat', () => {
    test('asks for subscribe messages only after a successful submit, then records the accepted ones', async () => {
      routes();
      state.channel = 'wechat';
      state.subscribe = (options) => options.success({ TPL_APPLICATION_STATUS: 'accept', errMsg: 'requestSubscribeMessage:ok' });
      on('GET', '/api/v1/me/subscriptions', { subscriptions: [], templates: [{ id: 'TPL_APPLICATION_STATUS', kind: 'one-time' }] });
      on('POST', '/api/v1/me/subscriptions', { subscriptions: [] });
      const wrapper = await mountPage(Apply, { code: 'SB0008' });
      expect(uniApi.requestSubscribeMessage).not.toHaveBeenCalled(); // not on open
      expect(uni.showModal).not.toHaveBeenCalled();
      await fillValid(wrapper);
      await uploadIdCard(wrapper);
      await wrapper.find('.apply-submit').trigger('click');
      await settle();
      expect(uni.showModal.mock.calls[0][0].content).toContain('SB20260105000001');
      expect(uniApi.requestSubscribeMessage).toHaveBeenCalledTimes(1);
      expect(uniApi.requestSubscribeMessage.mock.calls[0][0].tmplIds).toEqual(['TPL_APPLICATION_STATUS']);
      const order = state.calls.map((c) => `${c.method} ${c.path}`);
      expect(order.indexOf('POST /api/v1/applications')).toBeLessThan(order.indexOf('POST /api/v1/me/subscriptions'));
      expect(callsTo('POST', '/api/v1/me/subscriptions')[0].body).toEqual({
        channel: 'wechat', accepted: [{ template: 'TPL_APPLICATION_STATUS', kind: 'one-time' }],
      });
      expect(uni.redirectTo).toHaveBeenCalledWith({ url: '/pages/apply/done?number=SB20260105000001&days=10' });
    });

    test('a failed submit asks nothing; declining the dialog asks the platform nothing', async () => {
      routes();
      state.channel = 'wechat';
      on('GET', '/api/v1/me/subscriptions', { subscriptions: [], templates: [{ id: 'TPL_APPLICATION_STATUS', kind: 'one-time' }] });
      on('POST', '/api/v1/applications', apiError(422, 'validation_failed', '材料不完整', { 'materials.id_card': ['请上传居民身份证'] }));
      const wrapper = await mountPage(Apply, { code: 'SB0008' });
      await fillValid(wrapper);
      await uploadIdCard(wrapper);
      await wrapper.find('.apply-submit').trigger('click');
      await settle();
      expect(uni.showModal).not.toHaveBeenCalled();
      expect(uniApi.requestSubscribeMessage).not.toHaveBeenCalled();

      on('POST', '/api/v1/applications', APPLICATION);
      state.modalConfirm = false;
      await wrapper.find('.apply-submit').trigger('click');
      await settle();
      expect(uni.showModal).toHaveBeenCalledTimes(1);
      expect(uniApi.requestSubscribeMessage).not.toHaveBeenCalled();
      expect(uni.redirectTo).toHaveBeenCalledTimes(1);
    });
  });

  test('a channel the server sends no subscribe messages on offers none', async () => {
    routes();
    state.channel = 'wechat';
    on('GET', '/api/v1/me/subscriptions', { subscriptions: [], templates: [] });
    const wrapper = await mountPage(Apply, { code: 'SB0008' });
    await fillValid(wrapper);
    await uploadIdCard(wrapper);
    await wrapper.find('.apply-submit').trigger('click');
    await settle();
    expect(callsTo('GET', '/api/v1/me/subscriptions')).toHaveLength(1);
    expect(uni.showModal).not.toHaveBeenCalled();
    expect(uniApi.requestSubscribeMessage).not.toHaveBeenCalled();
    expect(uni.redirectTo).toHaveBeenCalledWith({ url: '/pages/apply/done?number=SB20260105000001&days=10' });
  });

  test('Alipay asks with entityIds and records what was subscribed', async () => {
    routes();
    state.channel = 'alipay';
    state.subscribe = (options) => options.success({ behavior: 'subscribe', result: { subscribeEntityIds: options.entityIds } });
    on('GET', '/api/v1/me/subscriptions', { subscriptions: [], templates: [{ id: 'TPL_ALIPAY_STATUS', kind: 'one-time' }] });
    on('POST', '/api/v1/me/subscriptions', { subscriptions: [] });
    const wrapper = await mountPage(Apply, { code: 'SB0008' });
    await fillValid(wrapper);
    await uploadIdCard(wrapper);
    await wrapper.find('.apply-submit').trigger('click');
    await settle();
    expect(uniApi.requestSubscribeMessage.mock.calls[0][0].entityIds).toEqual(['TPL_ALIPAY_STATUS']);
    expect(callsTo('POST', '/api/v1/me/subscriptions')[0].body).toEqual({
      channel: 'alipay', accepted: [{ template: 'TPL_ALIPAY_STATUS', kind: 'one-time' }],
    });
  });

  test('every field type: picker, date, yes/no, multiple choice and a photo field', async () => {
    const options = (n) => Array.from({ length: n }, (_, i) => ({ value: `v${i}`, label: `选项${i}` }));
    routes();
    on('GET', '/api/v1/items/SB0008', { ...ITEM, materials: [], form: [
      { name: 'bank', label: '合作银行', type: 'choice', required: true, options: options(7) },
      { name: 'insurances', label: '证明险种', type: 'choice', required: true, multiple: true, options: options(3) },
      { name: 'start', label: '起始日期', type: 'date', required: true },
      { name: 'training', label: '是否需要培训', type: 'bool', required: true },
      { name: 'plate', label: '对方车辆号牌', type: 'plate', required: true },
      { name: 'guardian', label: '监护人身份证号', type: 'id_number' },
      { name: 'photo', label: '现场照片', type: 'file', required: true, help: '请拍摄车辆全景' },
    ] });
    const wrapper = await mountPage(Apply, { code: 'SB0008' });
    expect(wrapper.find('[data-name="bank"] .picker-value').text()).toBe('请选择 ▾');
    // the province is picked beside it, so the example is of the rest
    expect(wrapper.find('[data-name="plate"] input').attributes('placeholder')).toBe('如 A12345 或 AD12345');
    expect(wrapper.find('[data-name="photo"] .upload-title').text()).toBe('现场照片');
    await wrapper.find('.apply-submit').trigger('click');
    expect(texts(wrapper, '.form-field .field-error')).toEqual(Array(6).fill('此项为必填项'));

    await wrapper.find('[data-name="bank"] picker').trigger('change', { detail: { value: '6' } });
    expect(wrapper.find('[data-name="bank"] .picker-value').text()).toBe('选项6 ▾');
    await wrapper.findAll('[data-name="insurances"] .chip')[2].trigger('click');
    await wrapper.findAll('[data-name="insurances"] .chip')[0].trigger('click');
    await wrapper.findAll('[data-name="insurances"] .chip')[2].trigger('click');
    expect(texts(wrapper, '[data-name="insurances"] .chip-on')).toEqual(['选项0']);
    await wrapper.find('[data-name="start"] picker').trigger('change', { detail: { value: '2026-01-05' } });
    await wrapper.findAll('[data-name="training"] .chip')[1].trigger('click');
    await wrapper.find('[data-name="plate"] input').setValue('浙a12345');
    await wrapper.find('[data-name="guardian"] input').setValue('330106195508163315');
    state.photo = { path: 'blob:scene', size: 4096, type: 'image/png' };
    await wrapper.find('[data-name="photo"] .upload-photo').trigger('click');
    await settle();
    await wrapper.find('.apply-submit').trigger('click');
    await settle();
    expect(wrapper.find('[data-name="guardian"] .field-error').text()).toBe('身份证号码不正确');
    expect(callsTo('POST', '/api/v1/applications')).toHaveLength(0);
    await wrapper.find('[data-name="guardian"] input').setValue('');
    await wrapper.find('.apply-submit').trigger('click');
    await settle();
    expect(callsTo('POST', '/api/v1/applications')[0].body.form).toEqual({
      bank: 'v6', insurances: ['v0'], start: '2026-01-05', training: false, plate: '浙A12345', photo: 'up-blob:scene',
    });
  });

  test('an item that cannot be applied for online says so', async () => {
    routes();
    on('GET', '/api/v1/items/SB0008', { ...ITEM, kind: 'query' });
    const wrapper = await mountPage(Apply, { code: 'SB0008' });
    expect(wrapper.find('.apply-load-error').text()).toBe('该事项不支持在线办理');
  });

  test('a load failure shows the server message', async () => {
    routes();
    on('GET', '/api/v1/items/SB0008', apiError(404, 'item.not_found', '事项不存在'));
    const wrapper = await mountPage(Apply, { code: 'SB0008' });
    expect(wrapper.find('.apply-load-error').text()).toBe('事项不存在');
  });

  describe('conditional fields, focus and the login phone', () => {
    const MAIL = { field: 'delivery', equals: 'mail' };
    const CONDITIONAL = {
      ...ITEM,
      form: [
        { name: 'delivery', label: '领卡方式', type: 'choice', required: true,
          options: [{ value: 'mail', label: '邮寄送达' }, { value: 'counter', label: '窗口领取' }] },
        { name: 'mail_address', label: '邮寄地址', type: 'address', shown_when: MAIL, required_when: MAIL },
        { name: 'contact_phone', label: '联系电话', type: 'phone', required: true, prefill: 'login_phone' },
      ],
    };

    test('the address shows, required, only for 邮寄; a failed submit goes to the first field in error', async () => {
      routes();
      on('GET', '/api/v1/items/SB0008', CONDITIONAL);
      on('GET', '/api/v1/me/contact', { phone: '13912345678' });
      const wrapper = await mountPage(Apply, { code: 'SB0008' });
      expect(wrapper.find('[data-name="mail_address"]').exists()).toBe(false);
      expect(wrapper.find('[data-name="contact_phone"] input').element.value).toBe('13912345678');
      await wrapper.findAll('[data-name="delivery"] .chip')[0].trigger('click');
      expect(wrapper.find('[data-name="mail_address"] .field-label').text()).toBe('*邮寄地址');
      await uploadIdCard(wrapper);
      await wrapper.find('.apply-submit').trigger('click');
      await settle();
      expect(wrapper.find('[data-name="mail_address"] .field-error').text()).toBe('此项为必填项');
      expect(uni.pageScrollTo).toHaveBeenCalledWith({ selector: '#field-mail_address', duration: 200 });
      // the field's input gets uni's focus prop (a native textarea here; tests/test_browser_h5.py checks h5's real focus)
      const focused = wrapper.findAllComponents(FormField).filter((f) => f.props('focus')).map((f) => f.props('spec').name);
      expect(focused).toEqual(['mail_address']);
      expect(callsTo('POST', '/api/v1/applications')).toHaveLength(0);
      // 窗口领取: the address is neither asked for nor sent, even when something was typed
      await wrapper.find('[data-name="mail_address"] textarea').setValue('文三路100号');
      await wrapper.findAll('[data-name="delivery"] .chip')[1].trigger('click');
      expect(wrapper.find('[data-name="mail_address"]').exists()).toBe(false);
      await wrapper.find('.apply-submit').trigger('click');
      await settle();
      expect(callsTo('POST', '/api/v1/applications')[0].body.form).toEqual({ delivery: 'counter', contact_phone: '13912345678' });
    });

    test('the pre-filled phone can be changed; without one the field stays empty', async () => {
      routes();
      on('GET', '/api/v1/items/SB0008', CONDITIONAL);
      const wrapper = await mountPage(Apply, { code: 'SB0008' }); // /me/contact unanswered
      expect(wrapper.find('[data-name="contact_phone"] input').element.value).toBe('');
      await wrapper.find('[data-name="contact_phone"] input').setValue('13800001111');
      expect(wrapper.find('[data-name="contact_phone"] input').element.value).toBe('13800001111');
    });
  });
});
