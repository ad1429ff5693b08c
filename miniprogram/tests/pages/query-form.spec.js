import { describe, expect, test } from 'vitest';
import Query from '../../src/pages/query/query.vue';
import { callsTo, on } from './fake-api.js';
import { mountPage, settle } from './helpers.js';

const THIS_YEAR = new Date(Date.now() + 8 * 3600 * 1000).getUTCFullYear();
const BOUND = [
  { plate: '浙A12345', engine_tail: '****56', bound_at: '2026-01-01T00:00:00+00:00' },
  { plate: '浙AD12345', engine_tail: '****78', bound_at: '2026-01-02T00:00:00+00:00' },
];
const PLATE_TYPES = [{ value: '02', label: '小型汽车' }, { value: '52', label: '小型新能源汽车' },
  { value: '01', label: '大型汽车' }, { value: '51', label: '大型新能源汽车' }];
const JT0001 = {
  code: 'JT0001', name: '违法查询', kind: 'query', query: 'jj.vehicle_violations', form: [
    { name: 'plate', label: '号牌号码', type: 'plate', required: true },
    { name: 'plate_type', label: '号牌种类', type: 'choice', required: true, options: PLATE_TYPES },
    { name: 'engine_no_last6', label: '发动机号后六位', type: 'text', required: false, max_length: 6 },
  ],
};
const SB0002 = {
  code: 'SB0002', name: '社保缴费记录查询', kind: 'query', query: 'sb.contributions', form: [
    { name: 'year', label: '查询年度', type: 'number', required: false, min: 1995, max: 2099 },
    { name: 'insurance', label: '险种', type: 'choice', required: false, options: [
      { value: 'pension', label: '养老保险' }, { value: 'unemployment', label: '失业保险' }, { value: 'medical', label: '医疗保险' }] },
  ],
};
const SB0003 = {
  code: 'SB0003', name: '养老保险缴费查询', kind: 'query', query: 'sb.contributions', form: [
    { name: 'start_year', label: '起始年度', type: 'number', required: false },
    { name: 'end_year', label: '截止年度', type: 'number', required: false },
  ],
};
const CONTRIBUTIONS = { query: 'sb.contributions', stale: false, age_seconds: 0, fetched_at: '2026-03-01T00:00:00+00:00',
  source: '社保系统', data: { records: [], total_personal: '0.00', total_unit: '0.00', months_paid: 0 } };

describe('query forms: every declared field is sent', () => {
  test('violations: plate type follows the chosen plate, the engine number when typed', async () => {
    on('GET', '/api/v1/items/JT0001', JT0001);
    on('GET', '/api/v1/me/vehicles', { vehicles: BOUND });
    on('POST', '/api/v1/queries/JT0001', ({ body }) => ({ item: 'JT0001', query: 'jj.vehicle_violations', stale: false,
      data: { plate: body.plate, violations: [], unhandled: 0, points_total: 0 } }));
    const wrapper = await mountPage(Query, { code: 'JT0001' });
    const posts = () => callsTo('POST', '/api/v1/queries/JT0001').map((c) => c.body);
    expect(posts()).toEqual([{ plate: '浙A12345', plate_type: '02' }]);
    expect(wrapper.find('[data-field="plate_type"]').text()).toContain('小型汽车');
    await wrapper.findAll('.plate-chip')[1].trigger('click');
    await settle();
    expect(posts()[1]).toEqual({ plate: '浙AD12345', plate_type: '52' });
    await wrapper.find('[data-field="engine_no_last6"] input').setValue('a1b2c3');
    await wrapper.find('.query-run').trigger('click');
    await settle();
    expect(posts()[2]).toEqual({ plate: '浙AD12345', plate_type: '52', engine_no_last6: 'A1B2C3' });
  });

  test('violations of a car not bound: its plate and engine number, as on 12123', async () => {
    on('GET', '/api/v1/items/JT0001', JT0001);
    on('GET', '/api/v1/me/vehicles', { vehicles: [] });
    on('POST', '/api/v1/queries/JT0001', ({ body }) => ({ item: 'JT0001', query: 'jj.vehicle_violations', stale: false,
      data: { plate: body.plate, violations: [], unhandled: 0, points_total: 0 } }));
    const wrapper = await mountPage(Query, { code: 'JT0001' });
    const posts = () => callsTo('POST', '/api/v1/queries/JT0001').map((c) => c.body);
    expect(posts()).toEqual([]);
    await wrapper.find('.other-plate').setValue('浙a12345d');
    await wrapper.find('.query-run').trigger('click');
    await settle();
    expect(posts()).toEqual([]); // not theirs: the engine number first
    expect(wrapper.find('.query-error-message').text()).toBe('查询非本人名下车辆，请填写发动机号后六位');
    expect(wrapper.find('[data-field="plate_type"]').text()).toContain('大型新能源汽车');
    await wrapper.find('[data-field="engine_no_last6"] input').setValue('9z8y7x');
    await wrapper.find('.query-run').trigger('click');
    await settle();
    expect(posts()).toEqual([{ plate: '浙A12345D', plate_type: '51', engine_no_last6: '9Z8Y7X' }]);
    expect(wrapper.find('.violations-none').exists()).toBe(true);
  });

  test('缴费记录: the year from its picker, the insurance type from its choice', async () => {
    on('GET', '/api/v1/items/SB0002', SB0002);
    on('POST', '/api/v1/queries/SB0002', ({ body }) => ({ ...CONTRIBUTIONS, item: 'SB0002', data: { ...CONTRIBUTIONS.data, year: body.year } }));
    const wrapper = await mountPage(Query, { code: 'SB0002' });
    const posts = () => callsTo('POST', '/api/v1/queries/SB0002').map((c) => c.body);
    expect(posts()).toEqual([{ year: THIS_YEAR }]);
    expect(wrapper.find('[data-field="year"]').exists()).toBe(false); // the year picker asks for it
    await wrapper.find('[data-field="insurance"] picker').trigger('change', { detail: { value: '3' } });
    expect(wrapper.find('[data-field="insurance"]').text()).toContain('医疗保险');
    await wrapper.find('.query-run').trigger('click');
    await settle();
    expect(posts()[1]).toEqual({ year: THIS_YEAR, insurance: 'medical' });
  });

  test('养老保险缴费: a range of years, shown as one', async () => {
    on('GET', '/api/v1/items/SB0003', SB0003);
    on('POST', '/api/v1/queries/SB0003', ({ body }) => ({ ...CONTRIBUTIONS, item: 'SB0003',
      data: { ...CONTRIBUTIONS.data, ...(body.start_year ? { start_year: body.start_year, end_year: body.end_year } : { year: THIS_YEAR }) } }));
    const wrapper = await mountPage(Query, { code: 'SB0003' });
    const posts = () => callsTo('POST', '/api/v1/queries/SB0003').map((c) => c.body);
    expect(posts()).toEqual([{}]);
    expect(wrapper.find('.year-bar').exists()).toBe(false);
    await wrapper.find('[data-field="start_year"] input').setValue('2016');
    await wrapper.find('[data-field="end_year"] input').setValue('2025');
    await wrapper.find('.query-run').trigger('click');
    await settle();
    expect(posts()[1]).toEqual({ start_year: 2016, end_year: 2025 });
    expect(wrapper.text()).toContain('2016—2025 年缴费明细');
  });
});
