import { CloudFormationTemplate, isObject, renderText } from './template-values';

/** One widget of a dashboard, reduced to what its picture shows. */
export interface WidgetPreview {
  readonly type: string;
  readonly x: number;
  readonly y: number;
  readonly width: number;
  readonly height: number;
  readonly title?: string;
  /** Metrics (`namespace/metric` and dimension values), a text widget's first line, a log query's first line, alarms. */
  readonly lines: string[];
}

/** A CloudWatch dashboard of a template. */
export interface DashboardPreview {
  readonly id: string;
  readonly name?: string;
  readonly widgets: WidgetPreview[];
  /** Why the body could not be read, when it could not. */
  readonly error?: string;
}

const GRID_COLUMNS = 24;
const COLUMN_PX = 40;
const ROW_PX = 28;
const MARGIN_PX = 16;
const HEADER_PX = 32;
const LINE_PX = 14;
/** Monospace glyphs are 0.6 em wide: 11 px lines, 12 px titles. */
const LINE_CHAR_PX = 6.6;
const TITLE_CHAR_PX = 7.2;

/** The dashboards of a template, with tokens in their bodies shown as `${LogicalId}`. */
export function dashboardsOf(template: CloudFormationTemplate): DashboardPreview[] {
  return Object.entries(template.Resources ?? {}).filter(([, r]) => r.Type === 'AWS::CloudWatch::Dashboard').map(([id, resource]) => {
    const nameValue = resource.Properties?.DashboardName;
    const name = nameValue === undefined ? undefined : renderText(nameValue, template);
    const body = parseBody(renderText(resource.Properties?.DashboardBody, template));
    if (typeof body === 'string') return { id, name, widgets: [], error: body };
    return { id, name, widgets: layOut(Array.isArray(body.widgets) ? body.widgets.filter(isObject) : []) };
  });
}

/** The file a dashboard's picture is written to: `<stack>-<logicalId>.svg`, with path separators replaced. */
export function svgFileName(stack: string, dashboardId: string): string {
  return `${stack}-${dashboardId}.svg`.replace(/[^A-Za-z0-9._-]/g, '_');
}

/** The dashboard as an SVG picture of its 24-column grid, each widget at its place with its title and contents. */
export function renderDashboardSvg(stack: string, dashboard: DashboardPreview): string {
  const rows = Math.max(1, ...dashboard.widgets.map((w) => w.y + w.height));
  const width = GRID_COLUMNS * COLUMN_PX + 2 * MARGIN_PX;
  const height = rows * ROW_PX + 2 * MARGIN_PX + HEADER_PX;
  const top = MARGIN_PX + HEADER_PX;
  const out: string[] = [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="monospace">`,
    `<rect width="${width}" height="${height}" fill="#f4f5f7"/>`,
    `<text x="${MARGIN_PX}" y="${MARGIN_PX + 16}" font-size="14" font-weight="bold">${escapeXml(`${stack} / ${dashboard.name ?? dashboard.id} (${dashboard.id})`)}</text>`,
  ];
  for (let column = 0; column <= GRID_COLUMNS; column++) {
    const x = MARGIN_PX + column * COLUMN_PX;
    out.push(`<line x1="${x}" y1="${top}" x2="${x}" y2="${top + rows * ROW_PX}" stroke="#e1e4e8" stroke-width="1"/>`);
  }
  if (dashboard.error) out.push(`<text x="${MARGIN_PX}" y="${top + 16}" font-size="12" fill="#b00020">${escapeXml(dashboard.error)}</text>`);
  for (const widget of dashboard.widgets) out.push(...widgetSvg(widget, top));
  out.push('</svg>', '');
  return out.join('\n');
}

function widgetSvg(widget: WidgetPreview, top: number): string[] {
  const x = MARGIN_PX + widget.x * COLUMN_PX;
  const y = top + widget.y * ROW_PX;
  const w = widget.width * COLUMN_PX;
  const h = widget.height * ROW_PX;
  const out = [`<g data-type="${escapeXml(widget.type)}">`, `<rect x="${x + 2}" y="${y + 2}" width="${w - 4}" height="${h - 4}" rx="3" fill="#ffffff" stroke="#8d99ae"/>`];
  let lineY = y + 18;
  if (widget.title !== undefined) {
    out.push(`<text x="${x + 8}" y="${lineY}" font-size="12" font-weight="bold">${escapeXml(truncate(widget.title, (w - 16) / TITLE_CHAR_PX))}</text>`);
    lineY += LINE_PX + 2;
  }
  const capacity = Math.max(0, Math.floor((y + h - 6 - lineY) / LINE_PX) + 1);
  const shown = widget.lines.length > capacity ? [...widget.lines.slice(0, Math.max(0, capacity - 1)), `... ${widget.lines.length - capacity + 1} more`] : widget.lines;
  for (const line of shown.slice(0, capacity)) {
    out.push(`<text x="${x + 8}" y="${lineY}" font-size="11" fill="#333333">${escapeXml(truncate(line, (w - 16) / LINE_CHAR_PX))}</text>`);
    lineY += LINE_PX;
  }
  out.push('</g>');
  return out;
}

/** A body is JSON once its tokens are placeholders; a token standing for a number or list needs quotes first. */
function parseBody(text: string): Record<string, unknown> | string {
  const attempts = [text, text.replace(/("(?:[^"\\]|\\.)*")|(\$\{[^}]*\})/g, (_, quoted: string | undefined, token: string) => quoted ?? JSON.stringify(token))];
  for (const attempt of attempts) {
    try {
      const parsed: unknown = JSON.parse(attempt);
      return isObject(parsed) ? parsed : 'the dashboard body is not a JSON object';
    } catch {
      continue;
    }
  }
  return 'the dashboard body is not valid JSON, even with its tokens as placeholders';
}

/** Widgets at their x/y; those without place themselves left to right, wrapping at 24 columns, as CloudWatch does. */
function layOut(widgets: Record<string, unknown>[]): WidgetPreview[] {
  let cursorX = 0;
  let cursorY = 0;
  let rowHeight = 0;
  return widgets.map((widget) => {
    const width = clamp(widget.width, 6, 1, GRID_COLUMNS);
    const height = clamp(widget.height, 6, 1, 1000);
    let x: number;
    let y: number;
    if (typeof widget.x === 'number' && typeof widget.y === 'number') {
      x = clamp(widget.x, 0, 0, GRID_COLUMNS - width);
      y = Math.max(0, Math.floor(widget.y));
    } else {
      if (cursorX + width > GRID_COLUMNS) {
        cursorX = 0;
        cursorY += rowHeight;
        rowHeight = 0;
      }
      x = cursorX;
      y = cursorY;
      cursorX += width;
      rowHeight = Math.max(rowHeight, height);
    }
    const properties = isObject(widget.properties) ? widget.properties : {};
    const type = typeof widget.type === 'string' ? widget.type : 'unknown';
    return { type, x, y, width, height, title: typeof properties.title === 'string' ? properties.title : undefined, lines: widgetLines(type, properties) };
  });
}

function widgetLines(type: string, properties: Record<string, unknown>): string[] {
  switch (type) {
    case 'metric': return metricLines(properties.metrics);
    case 'text': return [firstLine(properties.markdown)];
    case 'log': return [firstLine(properties.query)];
    case 'alarm': return (Array.isArray(properties.alarms) ? properties.alarms : []).map((a) => String(a).replace(/^.*:alarm:/, ''));
    default: return [type];
  }
}

/**
 * One line per plotted metric. Rows may abbreviate: `.` repeats the value above, `...` repeats the row
 * above up to the values that follow it.
 */
function metricLines(metrics: unknown): string[] {
  let previous: unknown[] = [];
  const lines: string[] = [];
  for (const row of Array.isArray(metrics) ? metrics : []) {
    if (!Array.isArray(row)) continue;
    const values: unknown[] = [];
    const earlier = previous.filter((v) => !isObject(v));
    row.forEach((value, index) => {
      if (value === '...') {
        const following = row.slice(index + 1).filter((v) => !isObject(v)).length;
        values.push(...earlier.slice(values.length, Math.max(values.length, earlier.length - following)));
      } else if (value === '.') {
        values.push(earlier[values.length]);
      } else if (!isObject(value)) {
        values.push(value);
      }
    });
    const options = row.find(isObject) ?? {};
    previous = values;
    if (options.visible === false) continue;
    if (values.length === 0) {
      if (options.expression !== undefined) lines.push(`${options.label ? `${String(options.label)} = ` : '= '}${String(options.expression)}`);
      continue;
    }
    const [namespace, name, ...dimensions] = values.map(String);
    lines.push([`${namespace}/${name}`, ...dimensions.filter((_, i) => i % 2 === 1)].join(' '));
  }
  return lines;
}

function firstLine(text: unknown): string {
  return String(text ?? '').split('\n').map((l) => l.trim()).find((l) => l.length > 0) ?? '';
}

function truncate(text: string, maxChars: number): string {
  const chars = [...text];
  const limit = Math.max(1, Math.floor(maxChars));
  return chars.length <= limit ? text : `${chars.slice(0, Math.max(0, limit - 1)).join('')}…`;
}

function clamp(value: unknown, fallback: number, low: number, high: number): number {
  const n = typeof value === 'number' && Number.isFinite(value) ? Math.floor(value) : fallback;
  return Math.min(high, Math.max(low, n));
}

/** Text as XML character data or attribute value: markup escaped, characters XML 1.0 forbids removed. */
export function escapeXml(text: string): string {
  return text
    .replace(/[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g, '')
    .replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&apos;');
}
