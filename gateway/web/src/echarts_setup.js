// ECharts with only what the pages draw (bar, line, pie and heat-map charts,
// grid, legend, tooltip, visual map) and the SVG renderer. Loaded as its own
// chunk, started when the app starts (chart.js), so that it downloads and
// compiles while the first API calls are in flight.
import * as echarts from 'echarts/core';
import { BarChart, HeatmapChart, LineChart, PieChart } from 'echarts/charts';
import {
  GridComponent, LegendComponent, TooltipComponent, VisualMapComponent,
} from 'echarts/components';
import { SVGRenderer } from 'echarts/renderers';

echarts.use([BarChart, HeatmapChart, LineChart, PieChart, GridComponent, LegendComponent,
  TooltipComponent, VisualMapComponent, SVGRenderer]);

export { echarts };
