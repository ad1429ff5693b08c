// Runs before every page spec: the API module mocked, a fresh `uni` global, fresh fake state.
import { beforeEach, vi } from 'vitest';
import { resetState, state } from './fake-api.js';

vi.mock('../../src/api.js', async () => (await import('./fake-api.js')).fakeModule);

function createUni() {
  const noop = () => vi.fn();
  return {
    navigateTo: noop(),
    redirectTo: noop(),
    reLaunch: noop(),
    navigateBack: noop(),
    showToast: noop(),
    setNavigationBarTitle: noop(),
    stopPullDownRefresh: noop(),
    setClipboardData: noop(),
    pageScrollTo: noop(),
    // Answers with state.modalConfirm (true unless a test changes it).
    showModal: vi.fn((options) => {
      const confirm = state.modalConfirm;
      if (options.success) options.success({ confirm, cancel: !confirm });
    }),
  };
}

beforeEach(() => {
  resetState();
  vi.clearAllMocks();
  globalThis.uni = createUni();
  globalThis.getCurrentPages = () => [{}, {}];
});
