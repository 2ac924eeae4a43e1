// ECharts with only what the pages draw (bar, line, pie and heat-map charts,
// grid, legend, tooltip, continuous visual map) and the SVG renderer. Loaded
// as its own chunk, started when the app starts (chart.js), so that it
// downloads and compiles while the first API calls are in flight (compiled
// whole on a background thread: vite.config.js, compileHints).
import * as echarts from 'echarts/core';
import { BarChart, HeatmapChart, LineChart, PieChart } from 'echarts/charts';
import {
  GridComponent, LegendComponent, TooltipComponent, VisualMapContinuousComponent,
} from 'echarts/components';
import { SVGRenderer } from 'echarts/renderers';

echarts.use([BarChart, HeatmapChart, LineChart, PieChart, GridComponent, LegendComponent,
  TooltipComponent, VisualMapContinuousComponent, SVGRenderer]);

export { echarts };
