// A material's file: an image with zoom and rotate, a PDF in a sandboxed frame (no script, no
// same origin), anything else as a download. The bytes come with the staff token as a Blob.

import { viewStep } from '../desk.js';
import { ErrorBanner } from './common.js';

const { ref, computed, inject, watch, onBeforeUnmount } = window.Vue;

export default {
  components: { ErrorBanner },
  props: { path: String, name: String },
  emits: ['close'],
  setup(props) {
    const api = inject('api');
    const url = ref('');
    const type = ref('');
    const error = ref(null);
    const view = ref({ zoom: 1, rotate: 0 });

    function drop() {
      if (url.value) URL.revokeObjectURL(url.value);
      url.value = '';
    }
    async function load() {
      drop();
      error.value = null;
      view.value = { zoom: 1, rotate: 0 };
      if (!props.path) return;
      try {
        const blob = (await api.blob(props.path)).data;
        type.value = blob.type;
        url.value = URL.createObjectURL(blob);
      } catch (err) {
        error.value = err;
      }
    }
    watch(() => props.path, load, { immediate: true });
    onBeforeUnmount(drop);

    const isImage = computed(() => type.value.startsWith('image/'));
    const isPdf = computed(() => type.value === 'application/pdf');
    const style = computed(() => ({ transform: `rotate(${view.value.rotate}deg) scale(${view.value.zoom})` }));
    const step = (change) => { view.value = viewStep(view.value, change); };
    return { url, error, isImage, isPdf, style, view, step, props };
  },
  template: `<div class="viewer card" role="region" :aria-label="'查看材料：' + props.name">
    <div class="viewer-bar">
      <strong>{{ props.name }}</strong>
      <template v-if="isImage">
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
    <template v-else-if="url && isPdf">
      <p class="muted">PDF 在隔离的框架中显示，不运行其中的脚本；浏览器不支持时请点击「下载」查看。</p>
      <iframe class="viewer-pdf" :src="url" sandbox="" :title="props.name"></iframe>
    </template>
    <p v-else-if="url" class="muted">此类文件无法在页面中预览，请下载查看。</p>
  </div>`,
};
