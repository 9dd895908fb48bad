import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { agnosticStack, inlineFunctionProps, regionalStack } from './helpers';
import { pinnedTool } from './test-tools';
import { OpenTelemetryLayer, TracedFunction } from '../src';
import {
  distroLayerAssertDescription,
  distroLayerCoverage,
  distroLayerRuleId,
  MAX_ASSERT_DESCRIPTION_LENGTH,
} from '../src/function/distro-layer-arn';
import { DISTRO_LAYER_ARNS, DISTRO_LAYER_TABLE_DATE } from '../src/function/distro-layer-arns.generated';

const NODE_RULE = 'AWSOpenTelemetryDistroJsRegionCheck';
const PYTHON_RULE = 'AWSOpenTelemetryDistroPythonRegionCheck';
/** The rule every stack synthesized with the default synthesizer has. */
const BOOTSTRAP_RULE = 'CheckBootstrapVersion';

/** The regions the table has a layer for, read straight from the table. */
function tableRegions(language: 'NODEJS' | 'PYTHON'): string[] {
  return Object.entries(DISTRO_LAYER_ARNS).filter(([, arns]) => arns[language] !== undefined).map(([region]) => region);
}

function rulesOf(stack: Stack): Record<string, any> {
  return Template.fromStack(stack).toJSON().Rules ?? {};
}

/** The region list of a distro rule's single Fn::Contains assertion. */
function ruleRegions(rule: any): string[] {
  return rule.Assertions[0].Assert['Fn::Contains'][0];
}

function nodeAndPython(stack: Stack, nodeCount = 1, pythonCount = 1): void {
  for (let i = 0; i < nodeCount; i++) new TracedFunction(stack, `Node${i}`, inlineFunctionProps(lambda.Runtime.NODEJS_22_X));
  for (let i = 0; i < pythonCount; i++) new TracedFunction(stack, `Python${i}`, inlineFunctionProps(lambda.Runtime.PYTHON_3_12));
}

describe('the distro layer region rules of a region-agnostic stack', () => {
  test('a Node and a Python traced function give exactly one rule per language, asserting the table regions', () => {
    const stack = agnosticStack();
    nodeAndPython(stack);
    const rules = rulesOf(stack);
    expect(Object.keys(rules).sort()).toEqual([NODE_RULE, PYTHON_RULE, BOOTSTRAP_RULE].sort());
    expect(rules[NODE_RULE]).toEqual({
      Assertions: [{
        Assert: { 'Fn::Contains': [tableRegions('NODEJS'), { Ref: 'AWS::Region' }] },
        AssertDescription: distroLayerAssertDescription('NODEJS'),
      }],
    });
    expect(rules[PYTHON_RULE]).toEqual({
      Assertions: [{
        Assert: { 'Fn::Contains': [tableRegions('PYTHON'), { Ref: 'AWS::Region' }] },
        AssertDescription: distroLayerAssertDescription('PYTHON'),
      }],
    });
    expect(distroLayerRuleId('NODEJS')).toBe(NODE_RULE);
    expect(distroLayerRuleId('PYTHON')).toBe(PYTHON_RULE);
  });

  test('the rules sit next to the layer mapping, whose regions they list', () => {
    const stack = agnosticStack();
    nodeAndPython(stack);
    const template = Template.fromStack(stack).toJSON();
    const mapping = template.Mappings.AwsOpenTelemetryDistroLayerArns;
    for (const [rule, language] of [[NODE_RULE, 'NODEJS'], [PYTHON_RULE, 'PYTHON']] as const) {
      const regions = ruleRegions(template.Rules[rule]);
      // Every listed region has a mapping entry for the language, and every such entry is listed.
      expect(regions).toEqual(Object.keys(mapping).filter((region) => mapping[region][language] !== undefined));
    }
  });

  test('one rule per language however many functions use it', () => {
    const stack = agnosticStack();
    nodeAndPython(stack, 3, 4);
    const rules = rulesOf(stack);
    expect(Object.keys(rules).filter((id) => id !== BOOTSTRAP_RULE).sort()).toEqual([NODE_RULE, PYTHON_RULE]);
  });

  test('only the languages actually used get a rule', () => {
    const nodeOnly = agnosticStack();
    nodeAndPython(nodeOnly, 2, 0);
    expect(Object.keys(rulesOf(nodeOnly)).sort()).toEqual([NODE_RULE, BOOTSTRAP_RULE].sort());

    const pythonOnly = agnosticStack();
    nodeAndPython(pythonOnly, 0, 2);
    expect(Object.keys(rulesOf(pythonOnly)).sort()).toEqual([PYTHON_RULE, BOOTSTRAP_RULE].sort());
  });

  test('functions without the distro layer add no rule', () => {
    const stack = agnosticStack();
    new TracedFunction(stack, 'None', { ...inlineFunctionProps(), openTelemetry: OpenTelemetryLayer.none() });
    new TracedFunction(stack, 'PyNone', { ...inlineFunctionProps(lambda.Runtime.PYTHON_3_12), openTelemetry: OpenTelemetryLayer.none() });
    new TracedFunction(stack, 'Custom', {
      ...inlineFunctionProps(),
      openTelemetry: OpenTelemetryLayer.fromLayerArn('arn:aws:lambda:us-east-1:123456789012:layer:MyOtel:3'),
    });
    expect(Object.keys(rulesOf(stack))).toEqual([BOOTSTRAP_RULE]);
    expect(Template.fromStack(stack).toJSON().Mappings).toBeUndefined();
  });

  test('the AssertDescription names the layer, the table date, the covered regions and the way out', () => {
    for (const [language, layer] of [['NODEJS', 'AWSOpenTelemetryDistroJs'], ['PYTHON', 'AWSOpenTelemetryDistroPython']] as const) {
      const description = distroLayerAssertDescription(language);
      expect(description).toMatch(new RegExp(`^${layer} has no layer version in this stack's Region`));
      expect(description).toContain(`layer table of ${DISTRO_LAYER_TABLE_DATE}`);
      expect(description).toContain(`it is published in: ${tableRegions(language).join(', ')}. `);
      expect(description).toContain('OpenTelemetryLayer.fromLayerArn(...)');
      expect(Buffer.byteLength(description, 'utf8')).toBeLessThanOrEqual(MAX_ASSERT_DESCRIPTION_LENGTH);
    }
  });

  test('a longer table shortens the region list to keep the AssertDescription within its limit', () => {
    const many = Array.from({ length: 120 }, (_, i) => `xx-test-${i + 1}`);
    const description = distroLayerAssertDescription('NODEJS', many);
    expect(Buffer.byteLength(description, 'utf8')).toBeLessThanOrEqual(MAX_ASSERT_DESCRIPTION_LENGTH);
    expect(description).toMatch(/published in: xx-test-1, xx-test-2, .*, xx-test-\d+ and \d+ more\. Deploy to one of them/);
    const [, shown, more] = /published in: (.*) and (\d+) more\./.exec(description)!;
    expect(shown.split(', ').length + Number(more)).toBe(120);
  });
});

describe('a region the Python layer is not published in (me-south-1)', () => {
  test('is absent from the Python rule but present in the Node rule', () => {
    const stack = agnosticStack();
    nodeAndPython(stack);
    const rules = rulesOf(stack);
    expect(ruleRegions(rules[NODE_RULE])).toContain('me-south-1');
    expect(ruleRegions(rules[PYTHON_RULE])).not.toContain('me-south-1');
    expect(ruleRegions(rules[PYTHON_RULE])).toContain('me-central-1');
    expect(distroLayerAssertDescription('PYTHON')).not.toContain('me-south-1');
  });

  test('is refused at synth, not by a rule, when it is the concrete region of the stack', () => {
    expect(() => new TracedFunction(regionalStack('me-south-1'), 'Py', inlineFunctionProps(lambda.Runtime.PYTHON_3_12)))
      .toThrow(/no AWSOpenTelemetryDistroPython layer is known for region 'me-south-1' \(layer table of \d{4}-\d{2}-\d{2}; known regions: /);
    const nodeStack = regionalStack('me-south-1');
    new TracedFunction(nodeStack, 'Node', inlineFunctionProps());
    expect(Object.keys(rulesOf(nodeStack))).toEqual([BOOTSTRAP_RULE]);
  });

  test('regions the table has no entry for at all (GovCloud) are in neither rule', () => {
    const stack = agnosticStack();
    nodeAndPython(stack);
    const rules = rulesOf(stack);
    for (const rule of [NODE_RULE, PYTHON_RULE]) {
      expect(ruleRegions(rules[rule])).not.toContain('us-gov-west-1');
      expect(ruleRegions(rules[rule])).not.toContain('us-gov-east-1');
    }
  });
});

describe('stacks with a concrete region', () => {
  test.each(['us-east-1', 'eu-west-1', 'cn-north-1'])('%s: no distro layer rule and no mapping, the layer ARN is a literal', (region) => {
    const stack = regionalStack(region);
    nodeAndPython(stack, 2, 2);
    const template = Template.fromStack(stack).toJSON();
    expect(Object.keys(template.Rules ?? {})).toEqual([BOOTSTRAP_RULE]);
    expect(template.Mappings).toBeUndefined();
    Template.fromStack(stack).hasResourceProperties('AWS::Lambda::Function', { Layers: [DISTRO_LAYER_ARNS[region].PYTHON] });
  });
});

describe('distroLayerCoverage', () => {
  test('gives the table date and, per language, the layer name and the regions the rules list', () => {
    const coverage = distroLayerCoverage();
    expect(coverage.tableDate).toBe(DISTRO_LAYER_TABLE_DATE);
    expect(coverage.languages.NODEJS).toEqual({ layerName: 'AWSOpenTelemetryDistroJs', regions: tableRegions('NODEJS').sort() });
    expect(coverage.languages.PYTHON).toEqual({ layerName: 'AWSOpenTelemetryDistroPython', regions: tableRegions('PYTHON').sort() });
    const stack = agnosticStack();
    nodeAndPython(stack);
    const rules = rulesOf(stack);
    expect([...ruleRegions(rules[NODE_RULE])].sort()).toEqual(coverage.languages.NODEJS.regions);
    expect([...ruleRegions(rules[PYTHON_RULE])].sort()).toEqual(coverage.languages.PYTHON.regions);
  });
});

describe('cfn-lint', () => {
  let outdir: string;
  beforeAll(() => {
    outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'distro-rules-'));
    const app = new App({ outdir });
    const stack = new Stack(app, 'DistroRulesAgnostic');
    nodeAndPython(stack, 2, 2);
    app.synth();
  });
  afterAll(() => fs.rmSync(outdir, { recursive: true, force: true }));

  test('a region-agnostic template with both region rules has no findings', () => {
    const template = path.join(outdir, 'DistroRulesAgnostic.template.json');
    const rules = JSON.parse(fs.readFileSync(template, 'utf8')).Rules;
    expect(Object.keys(rules)).toEqual(expect.arrayContaining([NODE_RULE, PYTHON_RULE]));
    let result: { status: number; output: string };
    try {
      result = { status: 0, output: execFileSync(pinnedTool('cfn-lint'), ['--', template], { cwd: path.join(__dirname, '..'), encoding: 'utf8', stdio: 'pipe' }) };
    } catch (error: any) {
      result = { status: error.status, output: `${error.stdout}${error.stderr}` };
    }
    expect(result).toEqual({ status: 0, output: '' });
  });
});
