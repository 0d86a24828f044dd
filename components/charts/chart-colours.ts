// The chart's palette: the theme's accent for data, red for limits and what breaks them, slate
// for structure. The text colours (text, limit) meet 4.5:1 on white and on the excursion shade.
export const COLOURS = {
  line: '#0f766e',
  band: '#99f6e4',
  limit: '#b91c1c',
  out: '#b91c1c',
  excursion: '#fee2e2',
  hatch: '#94a3b8',
  grid: '#e2e8f0',
  axis: '#94a3b8',
  text: '#475569',
} as const;
