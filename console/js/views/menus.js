// 菜单管理 for one channel: edit the draft, see it on a phone, validate, publish after
// confirming the diff, and roll back to an earlier version. Publishing sends the version the
// draft was based on, so a publish by someone else in between is refused (409), not overwritten.
// 提交审核 hands the change to a second operator (审核发布); where the city requires that
// (MENU_REVIEW=required) it is the only way, and 发布 and 回滚 are not offered.

import { CHANNEL_LABELS, label } from '../forms.js';
import { describeDiff, preview, toEditable, toPayload } from '../menu.js';
import { describeAll, errorText, wechatErrorLine } from '../errors.js';
import { dateTime } from '../format.js';
import { CHANNELS } from '../route.js';
import { ConfirmDialog, ErrorBanner } from './common.js';
import MenuSections from './menu-sections.js';
import PhonePreview from './phone-preview.js';
import Versions from './versions.js';
import WxMenu from './wx-menu.js';
import { guardUnsaved, itemsByCode, loadItems, loadSpec, notify, store } from './store.js';

const { ref, reactive, computed, inject, onMounted } = window.Vue;

export default {
  components: { ConfirmDialog, ErrorBanner, MenuSections, PhonePreview, Versions, WxMenu },
  props: { channel: String },
  setup(props) {
    const api = inject('api');
    const base = `/api/v1/admin/menus/${props.channel}`;
    const menu = ref(null);
    const draft = ref({});
    const baseVersion = ref(0); // the published version this draft starts from
    const saved = ref('');
    const versions = ref([]);
    const published = ref(null); // the head version's menu, for the diff's section titles
    const error = ref(null);
    const errors = ref({});
    const stale = ref(null);
    const draftConflict = ref(null); // someone saved the draft (or published) since we loaded it
    const check = ref(null);
    const rejection = ref('');
    const busy = ref('');
    const viewing = ref(null);
    const publishing = reactive({ open: false, lines: [], comment: '' });
    const rollingBack = reactive({ open: false, version: 0, comment: '' });
    const submitting = reactive({ open: false, lines: [], comment: '' });
    const reviewMode = ref('optional');
    const pendingReviews = ref(0); // this channel's changes waiting for a second operator

    const head = computed(() => versions.value[0]?.version || 0);
    const payload = computed(() => menu.value && toPayload(menu.value));
    const dirty = computed(() => Boolean(menu.value) && JSON.stringify(payload.value) !== saved.value);
    const items = computed(() => itemsByCode());
    const phone = computed(() => (viewing.value
      ? preview(viewing.value.menu, items.value, props.channel)
      : menu.value && preview(payload.value, items.value, props.channel)));

    function reset() {
      error.value = null;
      errors.value = {};
      stale.value = null;
      draftConflict.value = null;
      check.value = null;
      rejection.value = '';
    }

    async function load() {
      reset();
      viewing.value = null;
      try {
        const [d, v, r] = await Promise.all([api.get(`${base}/draft`), api.get(`${base}/versions`),
          api.get('/api/v1/admin/reviews?kind=menu&state=pending'), loadSpec(api), loadItems(api, true)]);
        reviewMode.value = r.data.mode;
        pendingReviews.value = r.data.reviews.filter((x) => x.target === props.channel).length;
        versions.value = v.data.versions;
        published.value = head.value ? (await api.get(`${base}/versions/${head.value}`)).data.menu : null;
        draft.value = d.data;
        baseVersion.value = d.data.base_version;
        menu.value = toEditable(d.data.menu);
        saved.value = JSON.stringify(toPayload(menu.value));
      } catch (err) {
        error.value = err;
      }
    }

    function fail(err) {
      error.value = err;
      if (err.code === 'menu.draft_changed') draftConflict.value = err.details || {};
      else if (err.status === 409) stale.value = { current: err.details?.current_version ?? null };
      if (err.status === 422 && err.details && !String(err.code).startsWith('wechat.')) errors.value = err.details;
      if (String(err.code).startsWith('wechat.')) rejection.value = [errorText(err), wechatErrorLine(err)].filter(Boolean).join('；');
    }

    async function run(what, task) {
      busy.value = what;
      try {
        return await task();
      } catch (err) {
        fail(err);
        return null;
      } finally {
        busy.value = '';
      }
    }

    const save = () => run('save', async () => {
      reset();
      // If-Match: the server refuses (409 menu.draft_changed) when someone saved or published since we loaded.
      const answer = await api.put(`${base}/draft`, payload.value, { headers: { 'If-Match': `"${draft.value.tag}"` } });
      draft.value = answer.data;
      saved.value = JSON.stringify(payload.value);
      notify('草稿已保存');
    });

    async function validate() {
      reset();
      return run('validate', async () => {
        const result = (await api.post(`${base}/validate`, payload.value)).data;
        errors.value = result.errors || {};
        check.value = { ...result, lines: describeDiff(result.diff, { before: published.value, after: payload.value, items: items.value }),
          problems: describeAll(result.errors) };
        if (result.base_version !== baseVersion.value) stale.value = { current: result.base_version };
        return result;
      });
    }

    async function startPublish() {
      const result = await validate();
      if (!result || !result.valid || stale.value) return;
      Object.assign(publishing, { open: true, lines: check.value.lines, comment: '' });
    }

    const confirmPublish = () => run('publish', async () => {
      const body = { base_version: baseVersion.value, comment: publishing.comment.trim(), menu: payload.value };
      try {
        const version = (await api.post(`${base}/publish`, body)).data;
        publishing.open = false;
        await load();
        notify(`已发布${label(CHANNEL_LABELS, props.channel)}菜单，当前版本 ${version.version}`);
      } finally {
        publishing.open = false;
      }
    });

    async function startSubmit() {
      const result = await validate();
      if (!result || !result.valid || stale.value) return;
      Object.assign(submitting, { open: true, lines: check.value.lines, comment: '' });
    }

    const confirmSubmit = () => run('submit', async () => {
      try {
        if (dirty.value) { // keep the edits as the draft too, so leaving the page loses nothing
          const answer = await api.put(`${base}/draft`, payload.value, { headers: { 'If-Match': `"${draft.value.tag}"` } });
          draft.value = answer.data;
          saved.value = JSON.stringify(payload.value);
        }
        const body = { base_version: baseVersion.value, comment: submitting.comment.trim(), menu: payload.value };
        await api.post(`${base}/reviews`, body);
        pendingReviews.value += 1;
        notify(`已提交${label(CHANNEL_LABELS, props.channel)}菜单的变更，等待另一名运营人员审核`);
      } finally {
        submitting.open = false;
      }
    });

    const overwriteDraft = () => run('save', async () => {
      // Keep my edits over the newer draft: take its tag, and if a publish moved the base, say so first.
      const latest = (await api.get(`${base}/draft`)).data;
      draftConflict.value = null;
      draft.value = latest;
      if (latest.base_version !== baseVersion.value) {
        stale.value = { current: latest.base_version };
        return;
      }
      await save();
    });

    async function keepMine() {
      // Continue from the newest version: the next validate shows the diff against it.
      const current = stale.value.current;
      reset();
      try {
        await loadVersions();
      } catch (err) {
        fail(err);
        return;
      }
      baseVersion.value = current ?? head.value;
      await validate();
    }

    async function loadVersions() {
      versions.value = (await api.get(`${base}/versions`)).data.versions;
      published.value = head.value ? (await api.get(`${base}/versions/${head.value}`)).data.menu : null;
    }

    const view = (n) => run('view', async () => {
      const v = (await api.get(`${base}/versions/${n}`)).data;
      viewing.value = { ...v, lines: describeDiff(v.diff, { after: v.menu, items: items.value }) };
    });

    function startRollback(n) {
      Object.assign(rollingBack, { open: true, version: n, comment: '' });
    }

    const confirmRollback = () => run('rollback', async () => {
      const body = { to_version: rollingBack.version, base_version: head.value, comment: rollingBack.comment.trim() };
      try {
        const version = (await api.post(`${base}/rollback`, body)).data;
        await load();
        notify(`已回滚到版本 ${rollingBack.version}，当前版本 ${version.version}`);
      } finally {
        rollingBack.open = false;
      }
    });

    async function takeLatest() {
      // The saved draft may hold the stale edits, so start again from the published menu itself.
      await load();
      if (published.value) {
        menu.value = toEditable(published.value);
        baseVersion.value = head.value;
      }
    }

    function discard() {
      if (window.confirm('放弃未保存的修改，重新加载服务器上的草稿？')) load();
    }

    guardUnsaved(() => dirty.value);
    onMounted(load);

    return { store, menu, draft, baseVersion, versions, head, dirty, phone, error, errors, stale, draftConflict, overwriteDraft,
      check, rejection, busy, submitting, startSubmit, confirmSubmit, reviewMode, pendingReviews,
      viewing, publishing, rollingBack, save, validate, startPublish, confirmPublish, keepMine, load, view, startRollback,
      confirmRollback, discard, takeLatest, dateTime, label, CHANNELS, CHANNEL_LABELS };
  },
  template: `<section class="page menus">
    <div class="page-head">
      <h2>菜单管理</h2>
      <nav class="tabs" role="tablist">
        <a v-for="c in CHANNELS" :key="c" :href="'#/menus/' + c" role="tab" :aria-selected="c === channel" :class="{ active: c === channel }"
>{{ label(CHANNEL_LABELS, c) }}</a>
      </nav>
    </div>
    <ErrorBanner :error="error" :summary="!stale && !rejection && !draftConflict"></ErrorBanner>
    <div v-if="draftConflict" class="alert alert-warn draft-conflict" role="alert">
      <p>草稿已被{{ draftConflict.updated_by ? ' ' + draftConflict.updated_by + ' ' : '他人' }}修改或菜单已发布新版本，您的修改尚未保存。</p>
      <button type="button" class="btn btn-small" @click="load">载入最新草稿（放弃我的修改）</button>
      <button type="button" class="btn btn-small" @click="overwriteDraft">用我的修改覆盖</button>
    </div>
    <div v-if="stale" class="alert alert-warn stale" role="alert">
      <p>菜单已被他人发布（当前版本 {{ stale.current ?? '未知' }}），您的草稿基于版本 {{ baseVersion }}。</p>
      <button type="button" class="btn btn-small" @click="takeLatest">载入最新发布的菜单（放弃我的修改）</button>
      <button type="button" class="btn btn-small" @click="keepMine">保留我的修改，与最新版本对比后再发布</button>
    </div>
    <template v-if="menu">
      <div class="toolbar">
        <span class="muted">草稿基于版本 {{ baseVersion }}<template v-if="draft.updated_by"> · {{ dateTime(draft.updated_at) }} 由 {{ draft.updated_by }} 保存</template>
          <template v-else> · 尚未保存过草稿</template></span>
        <span v-if="dirty" class="tag tag-draft">有未保存的修改</span>
        <span class="spacer"></span>
        <button type="button" class="btn" @click="discard" :disabled="!!busy">放弃修改</button>
        <button type="button" class="btn" @click="save" :disabled="!!busy">{{ busy === 'save' ? '正在保存…' : '保存草稿' }}</button>
        <button type="button" class="btn" @click="validate" :disabled="!!busy">{{ busy === 'validate' ? '正在校验…' : '校验' }}</button>
        <button type="button" class="btn" :class="{ 'btn-primary': reviewMode === 'required' }" @click="startSubmit"
          :disabled="!!busy">提交审核…</button>
        <button v-if="reviewMode !== 'required'" type="button" class="btn btn-primary" @click="startPublish" :disabled="!!busy">发布…</button>
      </div>
      <p v-if="pendingReviews" class="muted pending-reviews">本渠道有 {{ pendingReviews }} 项变更等待审核，见<a href="#/reviews">审核发布</a>。</p>
      <div v-if="check" class="check-result card" :class="check.valid ? 'ok' : 'bad'" role="status">
        <strong>{{ check.valid ? '校验通过' : '校验未通过，共 ' + check.problems.length + ' 处问题' }}</strong>
        <ul v-if="!check.valid"><li v-for="p in check.problems" :key="p.path + p.message">{{ p.where }}：{{ p.message }}</li></ul>
        <div v-else>
          <div class="muted">与已发布版本 {{ check.base_version }} 相比：</div>
          <ul class="diff"><li v-for="l in check.lines" :key="l">{{ l }}</li><li v-if="!check.lines.length">没有变化</li></ul>
        </div>
      </div>
      <div class="menu-layout">
        <div class="menu-editor">
          <MenuSections :menu="menu" :errors="errors" :spec="store.spec" :items="store.items" :channel="channel"></MenuSections>
          <WxMenu v-if="channel === 'wechat'" :menu="menu" :errors="errors" :rejection="rejection"></WxMenu>
        </div>
        <aside class="menu-side">
          <PhonePreview :view="phone" :channel="channel"
            :caption="viewing ? '版本 ' + viewing.version + ' 的菜单' : '草稿预览（随编辑实时更新）'"></PhonePreview>
          <div v-if="viewing" class="card viewing">
            <strong>版本 {{ viewing.version }}</strong>：{{ dateTime(viewing.published_at) }} 由 {{ viewing.published_by }} 发布
            <ul class="diff"><li v-for="l in viewing.lines" :key="l">{{ l }}</li><li v-if="!viewing.lines.length">与上一版本相同</li></ul>
            <button type="button" class="btn btn-small" @click="viewing = null">返回草稿预览</button>
          </div>
        </aside>
      </div>
      <h3>发布记录</h3>
      <Versions :versions="versions" :head="head" :can-rollback="reviewMode !== 'required'" :viewing="viewing && viewing.version" @view="view" @rollback="startRollback"></Versions>
    </template>
    <p v-else-if="!error" class="muted">正在加载…</p>

    <ConfirmDialog :open="publishing.open" :title="'确认发布' + label(CHANNEL_LABELS, channel) + '菜单'" confirm-text="确认发布"
      :busy="busy === 'publish'" @confirm="confirmPublish" @cancel="publishing.open = false">
      <p>将发布为版本 {{ baseVersion + 1 }}，居民端随即生效。本次变更：</p>
      <ul class="diff"><li v-for="l in publishing.lines" :key="l">{{ l }}</li><li v-if="!publishing.lines.length">与当前已发布版本相同</li></ul>
      <label>发布说明（可选）<input v-model="publishing.comment" maxlength="200" aria-label="发布说明"></label>
    </ConfirmDialog>
    <ConfirmDialog :open="submitting.open" :title="'提交' + label(CHANNEL_LABELS, channel) + '菜单审核'" confirm-text="提交审核"
      :busy="busy === 'submit'" @confirm="confirmSubmit" @cancel="submitting.open = false">
      <p>另一名运营人员批准后才会发布（可立即或定时），居民端此前不变。本次变更：</p>
      <ul class="diff"><li v-for="l in submitting.lines" :key="l">{{ l }}</li><li v-if="!submitting.lines.length">与当前已发布版本相同</li></ul>
      <label>提交说明（可选）<input v-model="submitting.comment" maxlength="200" aria-label="提交说明"></label>
    </ConfirmDialog>
    <ConfirmDialog :open="rollingBack.open" :title="'回滚到版本 ' + rollingBack.version" confirm-text="确认回滚" danger
      :busy="busy === 'rollback'" @confirm="confirmRollback" @cancel="rollingBack.open = false">
      <p>将把版本 {{ rollingBack.version }} 的菜单发布为新版本 {{ head + 1 }}，居民端随即生效。</p>
      <p class="warn-text">本渠道已保存的草稿和未保存的修改都将被丢弃。</p>
      <label>回滚说明（可选）<input v-model="rollingBack.comment" maxlength="200" aria-label="回滚说明"></label>
    </ConfirmDialog>
  </section>`,
};
