// One ECharts chart as a Preact component, rendered as SVG (crisp, small,
// and its text is in the DOM for the browser tests).
//
//   html`<${Chart} id="value-tiers" label=${t('valueTiers')} option=${option} data=${counts} />`
//
// `data` (the numbers behind the chart) is written to the element's
// data-chart attribute as JSON, so tests compare what is drawn with what the
// API answered.
//
// The chart is drawn in a layout effect: in the task that renders its data,
// before the browser paints (not a frame later, after a paint of the empty
// box).
import { html } from 'htm/preact';
import { useLayoutEffect, useRef } from 'preact/hooks';

// ECharts, loaded once: started by prefetch.js on a first load of the
// Overview (right after its API calls are sent), else by the app right after
// its first render (once the page has sent its calls), so that it compiles
// while they are in flight; or by the first chart.
let echartsReady = null;
export function loadCharts() {
  echartsReady = echartsReady || import('./echarts_setup.js');
  return echartsReady;
}

// A palette with enough contrast on white (WCAG AA for large graphics).
export const palette = ['#1f5fbf', '#2e8540', '#c05600', '#7a3fb3', '#b3261e', '#00727a', '#5f6368'];

export function Chart({ id, label, option, data, height = 280 }) {
  const element = useRef(null);
  const chart = useRef(null);
  const latest = useRef(option);
  latest.current = option;
  const apply = () => chart.current?.setOption({ color: palette, animation: false, ...latest.current }, true);
  useLayoutEffect(() => {
    let live = true;
    const resize = () => chart.current?.resize();
    loadCharts().then(({ echarts }) => {
      if (!live) return;
      chart.current = echarts.init(element.current, null, { renderer: 'svg' });
      apply();
      window.addEventListener('resize', resize);
    });
    return () => {
      live = false;
      window.removeEventListener('resize', resize);
      chart.current?.dispose();
      chart.current = null;
    };
  }, []);
  const optionText = JSON.stringify(option);
  useLayoutEffect(apply, [optionText]);
  return html`<figure class="chart" aria-label=${label}>
    <figcaption>${label}</figcaption>
    <div ref=${element} id=${id} class="chart-canvas" role="img" aria-label=${label}
      data-chart=${JSON.stringify(data)} style=${`height:${height}px`}></div>
  </figure>`;
}
