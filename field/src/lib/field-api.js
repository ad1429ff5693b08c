// The enforcement endpoints the queue uses, over the shared JSON client (miniprogram/src/common/
// http.js: tokens, refresh) and a bytes transport for photos and chunks.
const BASE = '/api/v1/enforcement';

export function createFieldApi({ client, sendBytes }) {
  return {
    sync: async (operations) => (await client.post(`${BASE}/sync`, { operations })).results,
    startUpload: (caseId, body) => client.post(`${BASE}/cases/${caseId}/uploads`, body),
    uploadStatus: (uploadId) => client.get(`${BASE}/uploads/${uploadId}`),
    putChunk: (uploadId, n, bytes) => sendBytes('PUT', `${BASE}/uploads/${uploadId}/chunks/${n}`, bytes),
    attach: (caseId, body) => client.post(`${BASE}/cases/${caseId}/evidence`, body),
    postEvidence: (caseId, capture, bytes, type) => sendBytes('POST', `${BASE}/cases/${caseId}/evidence`, bytes, { query: capture, type }),
    verify: (caseId) => client.get(`${BASE}/cases/${caseId}/verify`),
    cases: async (state) => (await client.get(`${BASE}/cases`, state ? { query: { state } } : undefined)).cases,
    getCase: (caseId) => client.get(`${BASE}/cases/${caseId}`),
    transition: (caseId, action, version, comment = '') => client.post(`${BASE}/cases/${caseId}/transitions`, { action, version, comment }),
    decideOnSpot: (caseId, body) => client.post(`${BASE}/cases/${caseId}/spot-decision`, body),
    siteRecord: (caseId, body) => client.post(`${BASE}/cases/${caseId}/site-record`, body),
    documents: async (caseId) => (await client.get(`${BASE}/cases/${caseId}/documents`)).documents,
    resendServiceSms: (documentId) => client.post(`${BASE}/documents/${documentId}/service-sms`, {}),
    lookup: (body) => client.post(`${BASE}/lookups`, body),
    lookupAudit: async () => (await client.get(`${BASE}/lookups/audit`)).entries,
    position: (body) => client.post(`${BASE}/position`, body),
    tasks: async (open = true) => (await client.get(`${BASE}/tasks`, { query: { open: String(open) } })).tasks,
    step: (taskId, step) => client.post(`${BASE}/tasks/${taskId}/${step}`, {}),
    team: () => client.get(`${BASE}/team`),
    createTask: (body) => client.post(`${BASE}/tasks`, body),
    suggestions: async (taskId) => (await client.get(`${BASE}/tasks/${taskId}/suggestions`)).suggestions,
    assign: (taskId, inspector) => client.post(`${BASE}/tasks/${taskId}/assign`, { inspector }),
  };
}
