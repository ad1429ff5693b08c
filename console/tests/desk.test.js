import test from 'node:test';
import assert from 'node:assert/strict';
import { actionProblems, claimState, conflictText, dueStatus, pageStep, pdfProblem, queueQuery, transitionBody,
  viewStep } from '../js/desk.js';

test('due status in working days, in words', () => {
  assert.deepEqual(dueStatus({ state: 'accepted', due_in: -2 }), { text: '已逾期 2 个工作日', level: 'overdue' });
  assert.deepEqual(dueStatus({ state: 'accepted', due_in: 0 }), { text: '今日到期', level: 'today' });
  assert.deepEqual(dueStatus({ state: 'accepted', due_in: 1 }), { text: '剩 1 个工作日', level: 'soon' });
  assert.equal(dueStatus({ state: 'in_review', due_in: 9 }).level, 'normal');
  assert.equal(dueStatus({ state: 'supplement_required', due_in: -3 }).text, '等待申请人补正');
  assert.equal(dueStatus({ state: 'accepted', overdue: true }).text, '已逾期');
});

test('claims', () => {
  assert.equal(claimState({ assignee: null }, 'a'), 'free');
  assert.equal(claimState({ assignee: 'a' }, 'a'), 'mine');
  assert.equal(claimState({ assignee: 'b' }, 'a'), 'theirs');
});

test('what an action still needs, and its body', () => {
  assert.deepEqual(actionProblems('accept', {}), []);
  assert.deepEqual(actionProblems('refuse', { comment: ' ' }), ['请填写不予受理的理由']);
  assert.deepEqual(actionProblems('request_supplement', { comment: '不清晰' }), ['请选择需要补正的材料']);
  assert.deepEqual(actionProblems('complete', {}), ['请上传办结结果文件']);
  assert.deepEqual(transitionBody('request_supplement', 3, { comment: ' 不清晰 ', materials: ['id_card'] }),
    { action: 'request_supplement', version: 3, comment: '不清晰', materials: ['id_card'] });
  assert.deepEqual(transitionBody('complete', 5, { result: 'u1' }), { action: 'complete', version: 5, comment: '', result: 'u1' });
});

test('conflicts in plain Chinese', () => {
  assert.match(conflictText({ status: 409, code: 'application.claimed', details: { assignee: 'processor.rsj' } }),
    /processor\.rsj 认领/);
  assert.match(conflictText({ status: 409, code: 'application.version_conflict', details: { state: 'in_review' } }),
    /「审核中」/);
  assert.match(conflictText({ status: 412, code: 'x', message: 'm' }), /刷新/);
  assert.equal(conflictText({ status: 422 }), null);
});

test('queue query and viewer steps', () => {
  assert.deepEqual(queueQuery({ q: ' SB ', state: 'in_review' }), { state: 'in_review', q: 'SB', claimed: '', limit: 200 });
  assert.deepEqual(viewStep({ zoom: 1, rotate: 270 }, { rotate: 90 }), { zoom: 1, rotate: 0 });
  assert.deepEqual(viewStep({ zoom: 4, rotate: 0 }, { zoom: 0.25 }), { zoom: 4, rotate: 0 });
  assert.deepEqual(viewStep({ zoom: 2, rotate: 90 }, { reset: true }), { zoom: 1, rotate: 0 });
});

test('PDF pages stay within the document, and its problems are told in words', () => {
  assert.equal(pageStep(1, 3, 1), 2);
  assert.equal(pageStep(3, 3, 1), 3);
  assert.equal(pageStep(1, 3, -1), 1);
  assert.equal(pageStep(1, 0, 1), 1); // not loaded yet
  assert.match(pdfProblem({ name: 'InvalidPDFException' }), /已损坏/);
  assert.match(pdfProblem({ name: 'PasswordException' }), /已加密/);
  assert.equal(pdfProblem(new Error('worker')), 'PDF 无法在页面中显示，请下载后查看。');
});
