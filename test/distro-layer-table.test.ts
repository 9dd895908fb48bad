import { DISTRO_LAYER_ARNS, DISTRO_LAYER_TABLE_DATE } from '../src/function/distro-layer-arns.generated';

const ARN = /^arn:(aws|aws-cn):lambda:([a-z0-9-]+):(\d{12}):layer:(AWSOpenTelemetryDistroJs|AWSOpenTelemetryDistroPython):(\d+)$/;

describe('the shipped AWSOpenTelemetryDistro layer table', () => {
  const entries = Object.entries(DISTRO_LAYER_ARNS).flatMap(([region, arns]) =>
    Object.entries(arns).map(([language, arn]) => ({ region, language, arn: arn as string })));

  test('records when it was taken', () => {
    expect(DISTRO_LAYER_TABLE_DATE).toMatch(/^\d{4}-\d{2}-\d{2}$/);
  });

  test('every ARN is a layer version in its own region, of the layer for its language', () => {
    for (const { region, language, arn } of entries) {
      const match = ARN.exec(arn);
      expect(match).not.toBeNull();
      expect(match![2]).toBe(region);
      expect(match![4]).toBe(language === 'NODEJS' ? 'AWSOpenTelemetryDistroJs' : 'AWSOpenTelemetryDistroPython');
      expect(match![1]).toBe(region.startsWith('cn-') ? 'aws-cn' : 'aws');
    }
  });

  test('covers the commercial regions AWS publishes from its main account', () => {
    for (const region of ['us-east-1', 'us-east-2', 'us-west-1', 'us-west-2', 'eu-west-1', 'eu-central-1', 'ap-northeast-1', 'ap-southeast-2', 'sa-east-1']) {
      expect(DISTRO_LAYER_ARNS[region]?.NODEJS).toMatch(/:615299751070:/);
      expect(DISTRO_LAYER_ARNS[region]?.PYTHON).toMatch(/:615299751070:/);
    }
  });

  test('CloudFormation mapping keys and attribute names are valid', () => {
    for (const [region, arns] of Object.entries(DISTRO_LAYER_ARNS)) {
      expect(region).toMatch(/^[a-z]{2}(-[a-z]+)+-\d$/);
      for (const key of Object.keys(arns)) expect(key).toMatch(/^[A-Za-z0-9]+$/);
    }
  });
});
