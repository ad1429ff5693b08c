// A Chart.js canvas for plain chart data; redrawn when the data changes. The chart object is
// kept outside Vue's reactivity (Chart.js mutates what it is given).

const { ref, watch, onMounted, onBeforeUnmount } = window.Vue;

export default {
  props: { type: String, data: Object, options: Object, label: String },
  setup(props) {
    const canvas = ref(null);
    let chart = null;
    function draw() {
      if (chart) chart.destroy();
      const data = JSON.parse(JSON.stringify({ labels: props.data.labels, datasets: props.data.datasets }));
      chart = new window.Chart(canvas.value, {
        type: props.type,
        data,
        options: { responsive: true, maintainAspectRatio: false, animation: false,
          plugins: { legend: { position: 'bottom' } }, ...(props.options || {}) },
      });
    }
    onMounted(draw);
    watch(() => props.data, draw);
    onBeforeUnmount(() => chart && chart.destroy());
    return { canvas };
  },
  template: `<div class="chart-wrap"><canvas ref="canvas" role="img" :aria-label="label"></canvas></div>`,
};
