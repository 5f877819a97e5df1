import { BarChart, LineChart, PieChart } from 'echarts/charts';
import { DatasetComponent, GridComponent, LegendComponent, TooltipComponent } from 'echarts/components';
import * as echarts from 'echarts/core';
import { SVGRenderer } from 'echarts/renderers';
import { useEffect, useRef } from 'react';

// Only what the dashboard draws is bundled. SVG output keeps labels as text (readable by screen
// readers through the summary, and by the browser tests) and stays sharp on every screen.
echarts.use([BarChart, LineChart, PieChart, GridComponent, TooltipComponent, LegendComponent, DatasetComponent, SVGRenderer]);

export type ChartOption = echarts.EChartsCoreOption;

/** Colours with meaning, the same everywhere: good, bad, warning, neutral, by severity. */
export const COLORS = {
  compliant: '#2e7d32',
  nonCompliant: '#c62828',
  unknown: '#9e9e9e',
  overdue: '#ef6c00',
  CRITICAL: '#8e0000',
  HIGH: '#d32f2f',
  MEDIUM: '#f57c00',
  LOW: '#fbc02d',
  INFORMATIONAL: '#64b5f6',
  UNSPECIFIED: '#9e9e9e',
} as const;

/**
 * An ECharts chart. `summary` is the same information in words: the chart's accessible name, so
 * that nobody has to see the picture to get the figures. `onClick` receives the clicked item's name
 * (e.g. to filter a list by it).
 */
export function Chart(props: { option: ChartOption; summary: string; height?: number; testId?: string; onClick?: (name: string, seriesName: string | undefined) => void }) {
  const element = useRef<HTMLDivElement | null>(null);
  const chart = useRef<echarts.ECharts | null>(null);
  const onClick = useRef(props.onClick);
  onClick.current = props.onClick;

  useEffect(() => {
    if (element.current === null) return;
    const instance = echarts.init(element.current, undefined, { renderer: 'svg' });
    chart.current = instance;
    instance.on('click', (params) => {
      const p = params as { name?: string; seriesName?: string };
      if (p.name !== undefined) onClick.current?.(p.name, p.seriesName);
    });
    const observer = new ResizeObserver(() => instance.resize());
    observer.observe(element.current);
    return () => {
      observer.disconnect();
      instance.dispose();
      chart.current = null;
    };
  }, []);

  useEffect(() => {
    chart.current?.setOption({ animation: false, ...props.option }, { notMerge: true });
  }, [props.option]);

  return <div ref={element} className="chart" role="img" aria-label={props.summary} data-testid={props.testId} style={{ height: props.height ?? 260 }} />;
}
