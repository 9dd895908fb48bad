import { IAspect } from 'aws-cdk-lib';
import { IConstruct } from 'constructs';

/** Runs `build` once, when aspects run at synthesis: by then the app has registered everything it traces. */
export class BuildWhenComplete implements IAspect {
  private built = false;

  constructor(private readonly owner: IConstruct, private readonly build: () => void) {}

  public visit(node: IConstruct): void {
    if (node !== this.owner || this.built) return;
    this.built = true;
    this.build();
  }
}
