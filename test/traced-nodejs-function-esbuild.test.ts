import * as path from 'path';
import { Template } from 'aws-cdk-lib/assertions';
import { regionalStack } from './helpers';
import { TracedNodejsFunction } from '../src';

// This machine has esbuild: the test takes it away, as on a machine where the app never installed it.
jest.mock('../src/function/local-esbuild', () => ({ localEsbuildAvailable: () => false }));

const ENTRY = path.join(__dirname, 'fixtures', 'otel-handler.ts');

test('without esbuild, says to install it instead of falling back to Docker', () => {
  const s = regionalStack();
  expect(() => new TracedNodejsFunction(s, 'F', { entry: ENTRY }))
    .toThrow("bundling: esbuild is not installed, so 'TestStack/F' cannot be bundled on this machine; install it in the app (npm install --save-dev esbuild@0)");
});

test('without esbuild, a stack that is not bundled (cdk synth of another stack) is still constructed', () => {
  const s = regionalStack('us-east-1', {}, { 'aws:cdk:bundling-stacks': [] });
  new TracedNodejsFunction(s, 'F', { entry: ENTRY });
  Template.fromStack(s).resourceCountIs('AWS::Lambda::Function', 1);
});
