import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';

/**
 * A widget whose JSON is rendered once, at the origin, and moved to wherever the layout places it. For a
 * widget that no longer changes once created and whose JSON a dashboard needs twice: to estimate the template
 * bytes it adds, then to write the body (rendering a graph is most of what either costs). Not for a widget
 * that reads something when it is written, like the status of alarms created after it.
 */
export class RenderedOnceWidget implements cloudwatch.IWidget {
  private json?: any[];
  private x = 0;
  private y = 0;

  constructor(private readonly widget: cloudwatch.IWidget) {}

  public get width(): number {
    return this.widget.width;
  }

  public get height(): number {
    return this.widget.height;
  }

  public get warnings(): string[] | undefined {
    return this.widget.warnings;
  }

  public get warningsV2(): { [id: string]: string } | undefined {
    return this.widget.warningsV2;
  }

  /** The widget's JSON with the widget at the origin, rendered on first use; not to be modified. */
  public get jsonAtOrigin(): any[] {
    if (this.json === undefined) {
      this.widget.position(0, 0);
      this.json = this.widget.toJson();
    }
    return this.json;
  }

  public position(x: number, y: number): void {
    this.x = x;
    this.y = y;
  }

  public toJson(): any[] {
    // Spread, then x and y replaced in place: the keys keep the order the widget wrote them in.
    return this.jsonAtOrigin.map((w) => ({ ...w, x: (w.x ?? 0) + this.x, y: (w.y ?? 0) + this.y }));
  }
}
