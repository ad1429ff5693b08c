import { describe, expect, test } from 'vitest';
import Vehicles from '../../src/pages/vehicles/vehicles.vue';
import Query from '../../src/pages/query/query.vue';
import { apiError, callsTo, on, state } from './fake-api.js';
import { mountPage, settle, texts } from './helpers.js';

const BOUND = [
  { plate: '浙A12345', engine_tail: '****56', bound_at: '2026-01-01T00:00:00+00:00' },
  { plate: '浙AD12345', engine_tail: '****78', bound_at: '2026-01-02T00:00:00+00:00' },
];

describe('my vehicles', () => {
  test('lists bound plates, new-energy ones marked', async () => {
    on('GET', '/api/v1/me/vehicles', { vehicles: BOUND });
    const wrapper = await mountPage(Vehicles);
    expect(wrapper.find('.bind-card').exists()).toBe(false); // one tap away once something is bound
    expect(wrapper.find('.bind-open').text()).toBe('绑定新车辆');
    expect(texts(wrapper, '.plate')).toEqual(['浙A·12345', '浙A·D12345']);
    expect(wrapper.findAll('.plate-green')).toHaveLength(1);
    expect(wrapper.find('[data-plate="浙AD12345"]').text()).toContain('新能源');
    expect(wrapper.find('.vehicle-query').exists()).toBe(false); // not sent here by a query
  });

  test('checks plate and engine tail before asking the server', async () => {
    on('GET', '/api/v1/me/vehicles', { vehicles: [] });
    const wrapper = await mountPage(Vehicles);
    expect(wrapper.find('.vehicles-empty').exists()).toBe(true);
    await wrapper.find('.bind-plate').setValue('A12345');
    await wrapper.find('.bind-engine').setValue('12');
    await wrapper.find('.bind-submit').trigger('click');
    expect(wrapper.find('.plate-error').text()).toBe('请先选择省份简称');
    expect(wrapper.find('.engine-error').text()).toBe('请输入发动机号后六位');
    await wrapper.find('.bind-plate').setValue('浙A1234O');
    await wrapper.find('.bind-submit').trigger('click');
    expect(wrapper.find('.plate-error').text()).toBe('号牌号码格式不正确（如 浙A12345 或 浙AD12345）');
    expect(callsTo('POST', '/api/v1/me/vehicles')).toHaveLength(0);
  });

  test('binds an 8-character new-energy plate, normalised, and reloads the list', async () => {
    on('GET', '/api/v1/me/vehicles', { vehicles: [] });
    on('POST', '/api/v1/me/vehicles', () => {
      on('GET', '/api/v1/me/vehicles', { vehicles: [BOUND[1]] });
      return BOUND[1];
    });
    const wrapper = await mountPage(Vehicles);
    await wrapper.find('.bind-plate').setValue('浙a·d12345');
    await wrapper.find('.bind-engine').setValue('a1b2c3');
    await wrapper.find('.bind-submit').trigger('click');
    await settle();
    expect(callsTo('POST', '/api/v1/me/vehicles')[0].body).toEqual({ plate: '浙AD12345', engine_tail: 'A1B2C3' });
    expect(texts(wrapper, '.plate')).toEqual(['浙A·D12345']);
    expect(uni.showToast).toHaveBeenCalledWith({ title: '绑定成功', icon: 'success' });
    // the form closes; opened again it is empty
    expect(wrapper.find('.bind-card').exists()).toBe(false);
    await wrapper.find('.bind-open').trigger('click');
    expect(wrapper.find('.bind-plate').element.value).toBe('');
    expect(wrapper.find('.bind-engine').element.value).toBe('');
  });

  test('the province comes from the picker, the rest is typed', async () => {
    on('GET', '/api/v1/me/vehicles', { vehicles: [] });
    on('POST', '/api/v1/me/vehicles', BOUND[1]);
    const wrapper = await mountPage(Vehicles);
    expect(wrapper.find('.plate-province').text()).toContain('省份');
    await wrapper.find('.plate-province').trigger('click');
    const keys = wrapper.findAll('.province-key');
    expect(keys).toHaveLength(31);
    await keys.find((k) => k.text() === '粤').trigger('click');
    expect(wrapper.find('.province-key').exists()).toBe(false); // the picker closes
    expect(wrapper.find('.plate-province').text()).toContain('粤');
    await wrapper.find('.bind-plate').setValue('b12345f');
    await wrapper.find('.bind-engine').setValue('a1b2c3');
    await wrapper.find('.bind-submit').trigger('click');
    await settle();
    expect(callsTo('POST', '/api/v1/me/vehicles')[0].body).toEqual({ plate: '粤B12345F', engine_tail: 'A1B2C3' });
  });

  test('shows why the traffic police refused the binding', async () => {
    on('GET', '/api/v1/me/vehicles', { vehicles: [] });
    on('POST', '/api/v1/me/vehicles', apiError(422, 'vehicle.not_owner', '该车辆不在您的名下，无法绑定'));
    const wrapper = await mountPage(Vehicles);
    await wrapper.find('.bind-plate').setValue('浙A12345');
    await wrapper.find('.bind-engine').setValue('123456');
    await wrapper.find('.bind-submit').trigger('click');
    await settle();
    expect(wrapper.find('.bind-error').text()).toBe('该车辆不在您的名下，无法绑定');
  });

  test('unbinds after confirming', async () => {
    on('GET', '/api/v1/me/vehicles', { vehicles: BOUND });
    on('DELETE', '/api/v1/me/vehicles/%E6%B5%99A12345', null);
    const wrapper = await mountPage(Vehicles);
    await wrapper.find('[data-plate="浙A12345"] .vehicle-unbind').trigger('click');
    await settle();
    expect(uni.showModal.mock.calls[0][0].content).toContain('浙A·12345');
    expect(callsTo('DELETE', '/api/v1/me/vehicles/%E6%B5%99A12345')).toHaveLength(1);
    expect(texts(wrapper, '.plate')).toEqual(['浙A·D12345']);
  });

  test('sent by a query, each plate offers to run it', async () => {
    on('GET', '/api/v1/me/vehicles', { vehicles: BOUND });
    const wrapper = await mountPage(Vehicles, { from: 'JT0001' });
    await wrapper.find('[data-plate="浙AD12345"] .vehicle-query').trigger('click');
    expect(uni.redirectTo).toHaveBeenCalledWith({ url: '/pages/query/query?code=JT0001&plate=%E6%B5%99AD12345' });
  });
});

const VIOLATIONS = {
  item: 'JT0001', query: 'jj.vehicle_violations', params: { plate: '浙A12345' }, stale: false, age_seconds: 0,
  fetched_at: '2026-01-05T02:00:00+00:00', source: '交管系统',
  data: {
    plate: '浙A12345',
    violations: [
      { time: '2025-10-01 08:30', place: '西湖区文三路与学院路交叉口', act: '机动车违反禁止标线指示的', code: '13450', points: 3, fine: '200', status: '已处理' },
      { time: '2025-09-01 19:05', place: '上城区解放路延安路口', act: '驾驶机动车违反道路交通信号灯通行的', code: '16250', points: 6, fine: '200', status: '未处理' },
    ],
    unhandled: 1,
    points_total: 9,
  },
};

describe('vehicle queries', () => {
  test('without a bound vehicle it links to 我的车辆', async () => {
    on('GET', '/api/v1/items/JT0001', { code: 'JT0001', name: '违法查询', query: 'jj.vehicle_violations' });
    on('GET', '/api/v1/me/vehicles', { vehicles: [] });
    const wrapper = await mountPage(Query, { code: 'JT0001' });
    expect(wrapper.find('.query-vehicle').text()).toBe('查询前请先在“我的车辆”绑定本人名下的车辆');
    expect(callsTo('POST', '/api/v1/queries/JT0001')).toHaveLength(0);
    await wrapper.find('.query-bind').trigger('click');
    expect(uni.navigateTo).toHaveBeenCalledWith({ url: '/pages/vehicles/vehicles?from=JT0001' });
  });

  test('queries the chosen plate and lays out violations, unhandled first', async () => {
    on('GET', '/api/v1/items/JT0001', { code: 'JT0001', name: '违法查询', query: 'jj.vehicle_violations' });
    on('GET', '/api/v1/me/vehicles', { vehicles: BOUND });
    on('POST', '/api/v1/queries/JT0001', ({ body }) => ({ ...VIOLATIONS, data: { ...VIOLATIONS.data, plate: body.plate } }));
    const wrapper = await mountPage(Query, { code: 'JT0001', plate: '浙A12345' });
    expect(callsTo('POST', '/api/v1/queries/JT0001')[0].body).toEqual({ plate: '浙A12345' });
    expect(texts(wrapper, '.violation-totals .total-num')).toEqual(['1', '9', '200']);
    expect(wrapper.find('.violation-totals').text()).toContain('待缴罚款（元）');
    expect(texts(wrapper, '.violation-act')).toEqual(['驾驶机动车违反道路交通信号灯通行的', '机动车违反禁止标线指示的']);
    expect(wrapper.find('.violation').text()).toContain('2025-09-01 19:05 · 上城区解放路延安路口');
    expect(wrapper.find('.violation').text()).toContain('记 6 分');
    expect(wrapper.find('.violation .status-bad').text()).toBe('未处理');
    expect(wrapper.find('.section-title').text()).toBe('违法查询');
    await wrapper.findAll('.plate-chip')[1].trigger('click');
    await settle();
    expect(callsTo('POST', '/api/v1/queries/JT0001')[1].body).toEqual({ plate: '浙AD12345' });
    expect(wrapper.text()).toContain('浙AD12345 违法记录（2 条）');
  });

  test('a vehicle with a clean record says so', async () => {
    on('GET', '/api/v1/items/JT0001', { code: 'JT0001', name: '违法查询', query: 'jj.vehicle_violations' });
    on('GET', '/api/v1/me/vehicles', { vehicles: BOUND.slice(0, 1) });
    on('POST', '/api/v1/queries/JT0001', { ...VIOLATIONS, data: { plate: '浙A12345', violations: [], unhandled: 0, points_total: 0 } });
    const wrapper = await mountPage(Query, { code: 'JT0001' });
    expect(wrapper.find('.violations-none').text()).toBe('该车辆暂无交通违法记录');
  });

  test('a department failure shows its Chinese message', async () => {
    on('GET', '/api/v1/items/JT0001', { code: 'JT0001', name: '违法查询', query: 'jj.vehicle_violations' });
    on('GET', '/api/v1/me/vehicles', { vehicles: BOUND.slice(0, 1) });
    on('POST', '/api/v1/queries/JT0001', apiError(503, 'exchange.unavailable', '交管系统暂时无法访问，请稍后再试'));
    const wrapper = await mountPage(Query, { code: 'JT0001' });
    expect(wrapper.find('.query-error-message').text()).toBe('交管系统暂时无法访问，请稍后再试');
  });

  test('a person query still runs at once, without vehicles', async () => {
    state.loggedIn = true;
    on('GET', '/api/v1/items/SB0001', { code: 'SB0001', name: '个人参保信息查询', query: 'sb.insured_info' });
    on('POST', '/api/v1/queries/SB0001', { ...VIOLATIONS, query: 'sb.insured_info', source: '社保系统',
      data: { name: '张三', id_number_masked: '3301**********1234', city: '杭州', insured: [{ type: '企业职工基本养老保险', status: '正常参保', since: '2010-01', unit: '某公司' }] } });
    const wrapper = await mountPage(Query, { code: 'SB0001' });
    expect(callsTo('GET', '/api/v1/me/vehicles')).toHaveLength(0);
    expect(texts(wrapper, '.insured-type')).toEqual(['企业职工基本养老保险']);
    expect(wrapper.text()).toContain('数据来源：社保系统');
  });
});
