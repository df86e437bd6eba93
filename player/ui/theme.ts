/**
 * The page theme's colours (named once, in core/html.ts) for what CSS cannot reach: the
 * charts' canvases. Read when a chart is drawn, so a light system gets light charts.
 */
export const themeColor = (name: string): string => getComputedStyle(document.documentElement).getPropertyValue(`--${name}`).trim() || '#888';

export const prefersLight = (): boolean => matchMedia('(prefers-color-scheme: light)').matches;

/** Axes of a uPlot chart in the theme's colours. */
export const themedAxis = () => ({ stroke: themeColor('muted'), grid: { stroke: themeColor('line') }, ticks: { stroke: themeColor('line') } });
