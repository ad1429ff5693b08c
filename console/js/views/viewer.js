// A material's file: an image with zoom and rotate, a PDF drawn by pdf.js (PdfPages) with the same
// zoom and rotate and page by page, anything else as a download. The bytes come with the staff token
// as a Blob.

import { viewStep } from '../desk.js';
import { ErrorBanner } from './common.js';
import PdfPages from './pdf-pages.js';

const { ref, shallowRef, computed, inject, watch, onBeforeUnmount } = window.Vue;

export default {
  components: { ErrorBanner, PdfPages },
  props: { path: String, name: String },
  emits: ['close'],
  setup(props) {
    const api = inject('api');
    const url = ref('');
    const blob = shallowRef(null); // a Blob's methods refuse a reactive Proxy as `this`
    const error = ref(null);
    const view = ref({ zoom: 1, rotate: 0 });

    function drop() {
      if (url.value) URL.revokeObjectURL(url.value);
      url.value = '';
      blob.value = null;
    }
    async function load() {
      drop();
      error.value = null;
      view.value = { zoom: 1, rotate: 0 };
      if (!props.path) return;
      try {
        const data = (await api.blob(props.path)).data;
        blob.value = data;
        url.value = URL.createObjectURL(data);
      } catch (err) {
        error.value = err;
      }
    }
    watch(() => props.path, load, { immediate: true });
    onBeforeUnmount(drop);

    const type = computed(() => (blob.value ? blob.value.type : ''));
    const isImage = computed(() => type.value.startsWith('image/'));
    const isPdf = computed(() => type.value === 'application/pdf');
    const style = computed(() => ({ transform: `rotate(${view.value.rotate}deg) scale(${view.value.zoom})` }));
    const step = (change) => { view.value = viewStep(view.value, change); };
    return { url, blob, error, isImage, isPdf, style, view, step, props };
  },
  template: `<div class="viewer card" role="region" :aria-label="'查看材料：' + props.name">
    <div class="viewer-bar">
      <strong>{{ props.name }}</strong>
      <template v-if="url && (isImage || isPdf)">
        <button class="btn btn-small" type="button" @click="step({ zoom: 0.25 })">放大</button>
        <button class="btn btn-small" type="button" @click="step({ zoom: -0.25 })">缩小</button>
        <button class="btn btn-small" type="button" @click="step({ rotate: -90 })">向左旋转</button>
        <button class="btn btn-small" type="button" @click="step({ rotate: 90 })">向右旋转</button>
        <button class="btn btn-small" type="button" @click="step({ reset: true })">复位</button>
        <span class="muted">{{ Math.round(view.zoom * 100) }}%，旋转 {{ view.rotate }}°</span>
      </template>
      <a v-if="url" class="btn btn-small" :href="url" :download="props.name">下载</a>
      <span class="spacer"></span>
      <button class="btn btn-small" type="button" @click="$emit('close')">关闭查看</button>
    </div>
    <ErrorBanner :error="error"></ErrorBanner>
    <div v-if="url && isImage" class="viewer-stage"><img :src="url" :style="style" :alt="props.name"></div>
    <PdfPages v-else-if="url && isPdf" :blob="blob" :url="url" :name="props.name" :view="view"></PdfPages>
    <p v-else-if="url" class="muted">此类文件无法在页面中预览，请下载查看。</p>
  </div>`,
};
