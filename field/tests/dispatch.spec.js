import { describe, expect, it } from 'vitest';
import { taskBody } from '../src/lib/duty.js';

const FORM = { kind: '违停处置', details: '消防通道被占', address: ' 湖滨路 28 号 ', lat: '30.2741', lng: '120.1651', priority: 'urgent' };

describe("a supervisor's new task", () => {
  it('becomes the API body: the type as title, a GeoJSON point (lng first)', () => {
    expect(taskBody(FORM)).toEqual({ body: {
      description: '违停处置：消防通道被占', address: '湖滨路 28 号', priority: 'urgent',
      location: { type: 'Point', coordinates: [120.1651, 30.2741] } } });
    expect(taskBody({ ...FORM, details: '  ', lat: 30.2741, lng: 120.1651 }).body.description).toBe('违停处置');
  });

  it('names each field that is wrong', () => {
    expect(taskBody({ priority: 'normal' }).problems).toEqual({
      kind: '请选择任务类型', lat: '纬度应为 -90 到 90 之间的数字', lng: '经度应为 -180 到 180 之间的数字' });
    const bad = taskBody({ ...FORM, kind: '其他', details: '', lat: '91', lng: 'abc', priority: 'soon', address: 'x'.repeat(201) });
    expect(Object.keys(bad.problems).sort()).toEqual(['address', 'details', 'lat', 'lng', 'priority']);
    expect(taskBody({ ...FORM, lat: '', lng: '0' }).problems).toEqual({ lat: '纬度应为 -90 到 90 之间的数字' });
    expect(taskBody({ ...FORM, details: 'x'.repeat(500) }).problems.details).toBe('任务内容不能超过 500 字');
  });
});
