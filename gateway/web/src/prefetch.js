// The Overview's API calls (customer statistics, scores, feedback, the
// programme's statistics) started while the script is evaluated, before
// the first render (saving the render and effect delay on the first load):
// main.js imports this module first. A page takes a call with takeEarly()
// (once; later loads call the API again).
//
//   const scores = useLoad(() => takeEarly('scores') || loadScores());
import { api, apiKey } from './api.js';
import { loadCharts } from './chart.js';

const early = new Map();

export const loadScores = () => api.listAll('/v1/customerScores', 'customerScores', { max: 50000 });
export const loadFeedback = () => api.listAll('/v1/feedback', 'feedback', { max: 2000 });
export const loadCustomerStatistics = () => api.get('/v1/customerStatistics', { months: 12 });
export const loadProgramStatistics = () => api.get('/v1/programs/default/statistics');

export function takeEarly(name) {
  const call = early.get(name);
  early.delete(name);
  return call;
}

function start(name, load) {
  const call = load();
  call.catch(() => {}); // Its taker handles the error; none is unhandled.
  early.set(name, call);
}

const path = decodeURIComponent(globalThis.location?.hash?.replace(/^#/, '') || '') || '/';
if (apiKey() && path === '/') {
  start('customerStatistics', loadCustomerStatistics);
  start('scores', loadScores);
  start('feedback', loadFeedback);
  start('programStatistics', loadProgramStatistics);
  // ECharts (preloaded by index.html) compiles while the calls are out.
  loadCharts();
}
