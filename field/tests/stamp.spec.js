import { describe, expect, it } from 'vitest';
import { beijingTime, estimateEm, stampLayout, stampLines } from '../src/lib/stamp.js';

const STAFF = { username: 'inspector', display_name: '执法队员张伟', badge_no: '33010620001' };
const AT = '2026-12-02T13:05:09.400Z';

describe('the photo stamp: its text', () => {
  it('gives Beijing time whatever the zone of the phone', () => {
    expect(beijingTime(AT)).toBe('2026-12-02 21:05:09');
    expect(beijingTime('2026-12-31T16:00:00Z')).toBe('2027-01-01 00:00:00'); // past midnight in Beijing
    expect(beijingTime(new Date('2026-03-01T00:00:00+08:00'))).toBe('2026-03-01 00:00:00');
  });

  it('names when, where with accuracy, who and the case number', () => {
    const lines = stampLines({ at: AT, where: { lat: 30.2741, lng: 120.1551, accuracy: 12.4 }, staff: STAFF,
      record: { id: 'c0ffee00-0000-4000-8000-000000000000', server: { number: 'ZF2026000007' } } });
    expect(lines).toEqual([
      '时间 2026-12-02 21:05:09（北京时间）',
      '纬度 30.274100  经度 120.155100  精度 ±12 米',
      '执法人员 执法队员张伟  执法证号 33010620001',
      '案号 ZF2026000007',
    ]);
  });

  it('says 无定位 without a fix, and uses the local id before the case is numbered', () => {
    const record = { id: 'c0ffee00-0000-4000-8000-000000000000', server: null };
    const lines = stampLines({ at: AT, where: null, staff: { username: 'inspector' }, record });
    expect(lines[1]).toBe('位置 无定位');
    expect(lines[2]).toBe('执法人员 inspector  执法证号 无');
    expect(lines[3]).toBe('本机案件编号 c0ffee00-0000-4000-8000-000000000000');
    expect(stampLines({ at: AT, where: { lat: Number.NaN, lng: 1 }, staff: STAFF, record })[1]).toBe('位置 无定位');
    expect(stampLines({ at: AT, where: { lat: 30, lng: 120 }, staff: STAFF, record })[1]).toContain('精度未知');
    expect(stampLines({ at: AT, where: null, staff: STAFF, record: { ...record, server: { number: null } } })[3])
      .toContain('本机案件编号');
  });
});

describe('the photo stamp: its layout', () => {
  const lines = stampLines({ at: AT, where: { lat: 30.2741, lng: 120.1551, accuracy: 12 }, staff: STAFF,
    record: { id: 'c0ffee00-0000-4000-8000-000000000000', server: null } });

  it('estimates CJK as 1 em and Latin as 0.6 em', () => {
    expect(estimateEm('案号')).toBe(2);
    expect(estimateEm('ZF12')).toBeCloseTo(2.4);
  });

  it('scales the font with the width, and the band sits at the bottom', () => {
    const small = stampLayout(1200, 900, lines);
    const large = stampLayout(4000, 3000, lines);
    expect(large.font).toBeGreaterThan(small.font * 3);
    for (const [layout, w, h] of [[small, 1200, 900], [large, 4000, 3000]]) {
      expect(layout.top + layout.band).toBe(h);
      expect(layout.band).toBe(lines.length * layout.lineHeight + 2 * layout.padding);
      const widest = Math.max(...lines.map(estimateEm)) * layout.font + 2 * layout.padding;
      expect(widest).toBeLessThanOrEqual(w); // every line fits across the photo
      expect(layout.band).toBeLessThanOrEqual(h * 0.4);
    }
  });

  it('keeps a legible minimum and still fits a narrow or a very wide photo', () => {
    expect(stampLayout(300, 400, ['案号 1']).font).toBe(12);
    const narrow = stampLayout(320, 480, lines);
    expect(Math.max(...lines.map(estimateEm)) * narrow.font + 2 * narrow.padding).toBeLessThanOrEqual(320);
    const panorama = stampLayout(6000, 400, lines);
    expect(panorama.band).toBeLessThanOrEqual(160);
    expect(panorama.top).toBeGreaterThan(0);
  });

  it('uses the measurement it is given', () => {
    const wide = stampLayout(1200, 900, lines, () => 80);
    expect(wide.font).toBe(Math.floor((1200 * 0.96) / 81.2));
  });
});
