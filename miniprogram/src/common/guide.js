// 办事指南 of an item (models/guide.py) as the item page's sections: only those with something to
// say, each with a heading; telephone numbers as tel: links. Pure: tested with node --test.

// '0571-12345678' -> 'tel:057112345678' (a dialler wants digits only)
export function telHref(number) {
  return `tel:${String(number || '').replace(/[^\d]/g, '')}`;
}

export function feeText(item) {
  const fen = (item && item.fee_fen) || 0;
  return fen ? `${(fen / 100).toFixed(2)} 元` : '不收费';
}

// [{id, title, ...}] in the order residents read them before they go.
export function guideSections(item) {
  const guide = (item && item.guide) || {};
  const list = (v) => (Array.isArray(v) ? v : []);
  const sections = [];
  if (list(guide.conditions).length) sections.push({ id: 'conditions', title: '受理条件', items: list(guide.conditions) });
  if (list(guide.steps).length) sections.push({ id: 'steps', title: '办理流程', steps: list(guide.steps) });
  if (list(guide.places).length) sections.push({ id: 'places', title: '办理地点和时间', places: list(guide.places) });
  if (list(guide.phones).length) {
    sections.push({ id: 'phones', title: '咨询电话', phones: list(guide.phones).map((p) => ({ ...p, href: telHref(p.number) })) });
  }
  if (item && item.kind === 'application') {
    sections.push({ id: 'fee', title: '收费', text: feeText(item), note: guide.fee_note || '' });
  }
  if (guide.sample && guide.sample.name) sections.push({ id: 'sample', title: '结果样本', sample: guide.sample });
  if (list(guide.basis).length) sections.push({ id: 'basis', title: '设定依据', items: list(guide.basis) });
  return sections;
}
