/** A CloudWatch dashboard body from a template, with CloudFormation values replaced by `<ref:...>` placeholders. */
export interface DashboardWidget {
  readonly type: string;
  readonly x: number;
  readonly y: number;
  readonly width: number;
  readonly height: number;
  readonly properties: any;
}

export function dashboardBody(resource: { Properties: { DashboardBody: unknown } }): { widgets: DashboardWidget[]; start?: string } {
  const body = resource.Properties.DashboardBody;
  if (typeof body === 'string') return JSON.parse(body);
  const [, parts] = (body as { 'Fn::Join': [string, unknown[]] })['Fn::Join'];
  const text = parts.map((p) => typeof p === 'string' ? p : `<ref:${JSON.stringify(p).replace(/[^A-Za-z0-9:]/g, '')}>`).join('');
  return JSON.parse(text);
}

/** Widgets whose rectangles intersect, as index pairs. */
export function overlaps(widgets: DashboardWidget[]): [number, number][] {
  const found: [number, number][] = [];
  widgets.forEach((a, i) => widgets.slice(i + 1).forEach((b, j) => {
    if (a.x < b.x + b.width && b.x < a.x + a.width && a.y < b.y + b.height && b.y < a.y + a.height) found.push([i, i + j + 1]);
  }));
  return found;
}
