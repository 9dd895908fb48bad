#!/usr/bin/env node
import * as fs from 'fs';
import * as path from 'path';
import { AssemblyError, readAssembly } from './assembly-reader';
import { buildReport } from './build-report';
import { renderDashboardSvg, svgFileName } from './dashboard-preview';
import { formatText } from './report-format';

/** Where the command writes; tests pass their own. */
export interface CliIo {
  stdout(text: string): void;
  stderr(text: string): void;
}

export const USAGE = `Usage: cdk-serverless-tracing report [cdk.out] [--json] [--rps N] [--preview DIR]

Reads a synthesized cloud assembly (default: cdk.out) and prints, per stack, the traced hops, where trace
context is lost and why, the sampling at each root with a monthly X-Ray estimate, and the dashboards.

  --json         print one JSON document instead of text
  --rps N        requests per second at each root for the estimate (default 10; a number greater than 0)
  --preview DIR  write an SVG picture of every CloudWatch dashboard into DIR (<stack>-<logicalId>.svg)
  --help         print this help
`;

/** A wrong command line, reported with exit code 2. */
class UsageError extends Error {}

interface ReportOptions {
  readonly assembly: string;
  readonly json: boolean;
  readonly requestsPerSecond: number;
  readonly preview?: string;
}

const DEFAULT_REQUESTS_PER_SECOND = 10;
const POSITIVE_NUMBER = /^(\d+(\.\d*)?|\.\d+)$/;

/**
 * Runs the command line (without `node` and the script) and returns the exit code: 0 when the report was
 * printed, whatever it found; 2 for a wrong command line or an unreadable assembly; 1 for a failure of the
 * command itself. Messages go to `io`, never as a stack trace.
 */
export function main(argv: string[], io: CliIo = processIo()): number {
  try {
    const options = parseArguments(argv);
    if (options === 'help') {
      io.stdout(USAGE);
      return 0;
    }
    const report = buildReport(options.assembly, readAssembly(options.assembly), options.requestsPerSecond);
    if (options.preview !== undefined) {
      const directory = previewDirectory(options.preview);
      for (const stack of report.stacks) {
        stack.dashboards.forEach((dashboard, index) => {
          const file = path.join(directory, svgFileName(stack.name, dashboard.id));
          writeFile(file, renderDashboardSvg(stack.name, dashboard));
          stack.dashboards[index] = { ...dashboard, file };
        });
      }
    }
    io.stdout(options.json ? `${JSON.stringify(report, null, 2)}\n` : formatText(report));
    return 0;
  } catch (e) {
    if (e instanceof UsageError) {
      io.stderr(`cdk-serverless-tracing: ${e.message}\n\n${USAGE}`);
      return 2;
    }
    if (e instanceof AssemblyError) {
      io.stderr(`cdk-serverless-tracing: ${e.message}\n`);
      return 2;
    }
    io.stderr(`cdk-serverless-tracing: the report failed: ${(e as Error)?.message ?? String(e)}\n`);
    return 1;
  }
}

function parseArguments(argv: string[]): ReportOptions | 'help' {
  const [command, ...rest] = argv;
  if (command === '--help' || command === '-h') return 'help';
  if (command === undefined) throw new UsageError('missing command: the only command is "report"');
  if (command !== 'report') throw new UsageError(`unknown command "${command}": the only command is "report"`);
  const positional: string[] = [];
  let json = false;
  let requestsPerSecond = DEFAULT_REQUESTS_PER_SECOND;
  let preview: string | undefined;
  for (let i = 0; i < rest.length; i++) {
    const argument = rest[i];
    const [flag, inline] = argument.startsWith('--') && argument.includes('=') ? [argument.slice(0, argument.indexOf('=')), argument.slice(argument.indexOf('=') + 1)] : [argument, undefined];
    const value = (what: string) => {
      const given = inline ?? rest[++i];
      if (given === undefined || (inline === undefined && given.startsWith('--'))) throw new UsageError(`${flag} needs a value: ${what}`);
      return given;
    };
    switch (flag) {
      case '--help':
      case '-h':
        return 'help';
      case '--json':
        if (inline !== undefined) throw new UsageError(`--json takes no value (got "${inline}")`);
        json = true;
        break;
      case '--rps': {
        const given = value('a number of requests per second greater than 0, e.g. --rps 25');
        requestsPerSecond = Number(given);
        if (!POSITIVE_NUMBER.test(given) || !(requestsPerSecond > 0)) {
          throw new UsageError(`--rps "${given}" is not allowed: give a number of requests per second greater than 0, e.g. --rps 25`);
        }
        break;
      }
      case '--preview':
        preview = value('a directory to write the dashboard pictures into, e.g. --preview preview');
        if (preview.trim() === '') throw new UsageError('--preview "" is not allowed: give a directory to write the dashboard pictures into');
        break;
      default:
        if (flag.startsWith('-')) throw new UsageError(`unknown option "${flag}": the options are --json, --rps N, --preview DIR and --help`);
        positional.push(argument);
    }
  }
  if (positional.length > 1) throw new UsageError(`one cloud assembly directory at most, got ${positional.length}: ${positional.join(', ')}`);
  return { assembly: positional[0] ?? 'cdk.out', json, requestsPerSecond, preview };
}

function previewDirectory(directory: string): string {
  try {
    fs.mkdirSync(directory, { recursive: true });
  } catch (e) {
    const reason = (e as NodeJS.ErrnoException).code === 'EEXIST' ? 'it is a file, give a directory' : `cannot create that directory (${(e as Error).message})`;
    throw new UsageError(`--preview "${directory}" is not allowed: ${reason}`);
  }
  return directory;
}

function writeFile(file: string, content: string): void {
  try {
    fs.writeFileSync(file, content);
  } catch (e) {
    throw new UsageError(`--preview: cannot write ${file} (${(e as Error).message})`);
  }
}

function processIo(): CliIo {
  return { stdout: (text) => process.stdout.write(text), stderr: (text) => process.stderr.write(text) };
}

if (require.main === module) process.exitCode = main(process.argv.slice(2));
