import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { App } from 'aws-cdk-lib';
import { coverageStack, exampleStack } from './stacks';
import { pinnedTool } from './test-tools';

const REPO = path.join(__dirname, '..');

/** The checks .cfnlintrc.yaml ignores (a command-line --ignore-checks replaces them, so they are repeated). */
function configuredIgnores(): string[] {
  const config = fs.readFileSync(path.join(REPO, '.cfnlintrc.yaml'), 'utf8');
  return [...config.matchAll(/^\s*-\s*([EWI]\d{4})\s*$/gm)].map((m) => m[1]);
}

/** Runs cfn-lint with the repository's .cfnlintrc.yaml; returns its exit code and output. */
function cfnLint(templates: string[], extraArgs: string[] = []): { status: number; output: string } {
  try {
    const output = execFileSync(pinnedTool('cfn-lint'), [...extraArgs, '--', ...templates], { cwd: REPO, encoding: 'utf8', stdio: 'pipe' });
    return { status: 0, output };
  } catch (error: any) {
    return { status: error.status, output: `${error.stdout}${error.stderr}` };
  }
}

describe('cfn-lint', () => {
  let outdir: string;
  beforeAll(() => {
    outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'cfn-lint-'));
    const app = new App({ outdir });
    exampleStack(app);
    coverageStack(app, 'CoverageRegional', 'ap-southeast-2');
    coverageStack(app, 'CoverageAgnostic');
    app.synth();
  });
  afterAll(() => fs.rmSync(outdir, { recursive: true, force: true }));

  test('the example and the coverage stacks have no findings', () => {
    const templates = fs.readdirSync(outdir).filter((f) => f.endsWith('.template.json')).map((f) => path.join(outdir, f));
    expect(templates).toHaveLength(3);
    expect(cfnLint(templates)).toEqual({ status: 0, output: '' });
  });

  test('the committed integ snapshots have no findings', () => {
    const snapshots = fs.readdirSync(path.join(REPO, 'integ')).filter((d) => d.endsWith('.snapshot'));
    const templates = snapshots.flatMap((d) => fs.readdirSync(path.join(REPO, 'integ', d))
      .filter((f) => f.endsWith('.template.json'))
      .map((f) => path.join(REPO, 'integ', d, f)));
    const [assertions, testCases] = [templates.filter((t) => /DeployAssert/.test(t)), templates.filter((t) => !/DeployAssert/.test(t))];
    expect(testCases.length).toBeGreaterThan(0);
    expect(cfnLint(testCases)).toEqual({ status: 0, output: '' });
    // integ-tests-alpha's assertion stacks grant 'lambda:Invoke', an action IAM does not define (W3037).
    expect(cfnLint(assertions, ['--ignore-checks', ...configuredIgnores(), 'W3037'])).toEqual({ status: 0, output: '' });
  });

  test('the repository configuration ignores only W3005', () => {
    expect(configuredIgnores()).toEqual(['W3005']);
  });

  test('findings fail the check', () => {
    const broken = path.join(outdir, 'broken.template.json');
    fs.writeFileSync(broken, JSON.stringify({ Resources: { Queue: { Type: 'AWS::SQS::Queue', Properties: { VisibilityTimeout: 'soon' } } } }));
    expect(cfnLint([broken]).status).not.toBe(0);
  });
});
