// The case form as the inspector fills it in ↔ the body of PUT /api/v1/enforcement/cases/{uuid}.
import { findViolation } from './catalog.js';
import { maskIdNumber } from './validate.js';

export function emptyForm(now = new Date()) {
  return {
    violation: '',
    party: { kind: 'person', name: '', id_number: '', credit_code: '' },
    plate: '',
    position: null, // {lng, lat, accuracy}
    address: '',
    observed_at: now.toISOString(),
    facts: '',
    measures: '',
  };
}

export function toBody(form, version) {
  const violation = findViolation(form.violation);
  const party = form.party || {};
  const parties = [];
  if (party.kind === 'person') {
    parties.push({ kind: 'person', name: party.name.trim(), id_number_masked: maskIdNumber(party.id_number), role: '当事人' });
  } else if (party.kind === 'business') {
    parties.push({ kind: 'business', name: party.name.trim(), licence_no: party.credit_code.trim().toUpperCase(), role: '当事单位' });
  }
  if (form.plate) parties.push({ kind: 'vehicle', plate: form.plate.trim().toUpperCase(), role: '涉案车辆' });
  const position = form.position || {};
  return {
    version,
    type: violation ? violation.type : '其他',
    legal_basis: violation ? violation.basis : '',
    parties,
    location: { type: 'Point', coordinates: [position.lng, position.lat] },
    record: {
      facts: form.facts.trim(),
      statements: [],
      observed_at: form.observed_at,
      violation: form.violation,
      measures: (form.measures || '').trim(),
      address: (form.address || '').trim(),
      accuracy_m: typeof position.accuracy === 'number' ? Math.round(position.accuracy * 10) / 10 : null,
    },
  };
}

// The server's case as a form, keeping what the server holds only masked (the 身份证号) from the
// local form when it is the same person.
export function fromServer(server, local = emptyForm()) {
  const record = server.record || {};
  const person = (server.parties || []).find((p) => p.kind === 'person');
  const business = (server.parties || []).find((p) => p.kind === 'business');
  const vehicle = (server.parties || []).find((p) => p.kind === 'vehicle');
  const [lng, lat] = (server.location && server.location.coordinates) || [];
  const localParty = local.party || {};
  const party = person
    ? { kind: 'person', name: person.name || '', credit_code: '',
      id_number: maskIdNumber(localParty.id_number) === person.id_number_masked ? localParty.id_number : '' }
    : { kind: 'business', name: (business && business.name) || '', id_number: '', credit_code: (business && business.licence_no) || '' };
  return {
    violation: record.violation || '',
    party,
    plate: (vehicle && vehicle.plate) || '',
    position: typeof lng === 'number' ? { lng, lat, accuracy: record.accuracy_m ?? null } : null,
    address: record.address || '',
    observed_at: record.observed_at || local.observed_at,
    facts: record.facts || '',
    measures: record.measures || '',
  };
}
