import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';

/**
 * A widget whose JSON is rendered once, at the origin, and moved to wherever the layout places it. For a
 * widget that no longer changes once created and whose JSON a dashboard needs twice: to estimate the template
 * bytes it adds, then to write the body (rendering a graph is most of what either costs). Not for a widget
 * that reads something when it is written, like the status of alarms created after it.
 */
export class RenderedOnceWidget implements cloudwatch.IWidget {
  /**
   * The widget it renders, where aws-cdk-lib's dashboard (and `RenderedWidgetGroup`) look for the widgets a
   * layout holds: their warnings are reported from there.
   */
  public readonly widgets: cloudwatch.IWidget[];
  private json?: any[];
  private x = 0;
  private y = 0;

  constructor(private readonly widget: cloudwatch.IWidget) {
    this.widgets = [widget];
  }

  public get width(): number {
    return this.widget.width;
  }

  public get height(): number {
    return this.widget.height;
  }

  /** The widget's JSON with the widget at the origin, rendered on first use; not to be modified. */
  public get jsonAtOrigin(): any[] {
    if (this.json === undefined) {
      this.widget.position(0, 0);
      const json = this.widget.toJson();
      // Moving an entry needs its own x and y: a token, or an entry without a position, could not be moved.
      for (const entry of json) {
        if (typeof entry !== 'object' || entry === null || typeof entry.x !== 'number' || typeof entry.y !== 'number') {
          throw new Error(`RenderedOnceWidget: the widget renders an entry without a position of its own (${JSON.stringify(entry)}), which it cannot move`);
        }
      }
      this.json = json;
    }
    return this.json;
  }

  public position(x: number, y: number): void {
    this.x = x;
    this.y = y;
  }

  public toJson(): any[] {
    // Spread, then x and y replaced in place: the keys keep the order the widget wrote them in.
    return this.jsonAtOrigin.map((entry) => ({ ...entry, x: entry.x + this.x, y: entry.y + this.y }));
  }
}
