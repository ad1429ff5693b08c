import { describe, expect, it } from 'vitest';
import { checkCase, checkCreditCode, checkIdNumber, checkPlate, maskIdNumber } from '../src/lib/validate.js';
import { VIOLATIONS, findViolation, spotRule } from '../src/lib/catalog.js';
import { emptyForm, fromServer, toBody } from '../src/lib/case-body.js';

describe('身份证号 (GB 11643)', () => {
  it('accepts valid numbers, X included', () => {
    expect(checkIdNumber('11010519491231002X')).toBe('');
    expect(checkIdNumber('330106195508163314')).toBe('');
    expect(checkIdNumber('11010519491231002x')).toBe('');
  });
  it('names what is wrong', () => {
    expect(checkIdNumber('110105194912310021')).toMatch('校验位');
    expect(checkIdNumber('110105194913310028')).toMatch('出生日期');
    expect(checkIdNumber('1101051949')).toMatch('18 位');
  });
  it('masks to the first 6 and last 4', () => {
    expect(maskIdNumber('330106195508163314')).toBe('330106********3314');
  });
});

describe('统一社会信用代码 (GB 32100)', () => {
  it('accepts valid codes', () => {
    expect(checkCreditCode('91350100M000100Y43')).toBe('');
    expect(checkCreditCode('91110000600037341L')).toBe('');
  });
  it('rejects a wrong check character, length or letters outside the set', () => {
    expect(checkCreditCode('91350100M000100Y44')).toMatch('校验位');
    expect(checkCreditCode('91350100M000100Y4')).toMatch('18 位');
    expect(checkCreditCode('91350100M000100I43')).toMatch('无效字符');
  });
});

describe('车牌', () => {
  it('takes ordinary, new-energy and trailer plates', () => {
    for (const plate of ['浙A7K2M9', '京AD12345', '粤B12345F', '苏E1234挂']) expect(checkPlate(plate)).toBe('');
  });
  it('needs a province and the authority letter', () => {
    expect(checkPlate('A7K2M9')).toMatch('省份');
    expect(checkPlate('浙17K2M9')).toMatch('字母');
    expect(checkPlate('浙A7K2')).toMatch('格式');
  });
});

describe('违法行为目录 and 行政处罚法 Art. 51', () => {
  it('every entry has a server case type, a legal basis and a penalty', () => {
    const types = ['非法营运', '超限超载', '违规停车', '无证经营', '占道经营', '其他'];
    for (const v of VIOLATIONS) {
      expect(types).toContain(v.type);
      expect(v.basis).toMatch(/^《.+》第.+条/);
      expect(v.penalty.length).toBeGreaterThan(4);
    }
  });
  it('allows the spot decision within 200 元 for a person and 3,000 元 for an organisation', () => {
    expect(spotRule(findViolation('TP-093'), 'person')).toMatchObject({ allowed: true, limit: 200 });
    expect(spotRule(findViolation('TP-092'), 'person').text).toMatch('超过须适用普通程序');
    expect(spotRule(findViolation('TP-092'), 'business')).toMatchObject({ allowed: true, limit: 3000 });
    expect(spotRule(findViolation('RT-063'), 'business')).toMatchObject({ allowed: false });
  });
});

describe('the case form', () => {
  const form = {
    ...emptyForm(new Date('2026-05-01T01:00:00Z')), violation: 'TP-093', plate: '浙A7K2M9', facts: '禁停路段停车',
    party: { kind: 'person', name: '王五', id_number: '330106195508163314', credit_code: '' },
    position: { lng: 120.1551, lat: 30.2741, accuracy: 8.3 }, address: '杭州市西湖区',
  };
  it('is complete or names each missing field', () => {
    expect(checkCase(form)).toEqual({});
    expect(Object.keys(checkCase(emptyForm()))).toEqual(expect.arrayContaining(['violation', 'party.name', 'party.id_number', 'position', 'facts']));
  });
  it('becomes a server body with the 身份证号 masked, and comes back', () => {
    const body = toBody(form, 0);
    expect(body).toMatchObject({ version: 0, type: '违规停车', location: { coordinates: [120.1551, 30.2741] } });
    expect(body.parties).toEqual([
      { kind: 'person', name: '王五', id_number_masked: '330106********3314', role: '当事人' },
      { kind: 'vehicle', plate: '浙A7K2M9', role: '涉案车辆' },
    ]);
    expect(body.record).toMatchObject({ violation: 'TP-093', address: '杭州市西湖区', accuracy_m: 8.3 });
    expect(fromServer({ ...body, record: body.record }, form)).toEqual(form);
  });
});
