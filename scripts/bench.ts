/**
 * `npm run bench`: figures for speed and size, each set against a baseline measured in the same run on the same
 * machine, so the ratios mean something across machines.
 *
 * 1. Bundles: every Lambda entry is bundled as CDK bundles it (shared settings in infra/bundling.ts); size minified,
 *    and module init time (cold start work done by our code) over an empty bundle's init time.
 */
import { build } from 'esbuild';
import { spawnSync } from 'node:child_process';
import { mkdirSync, readdirSync, rmSync, statSync, writeFileSync, existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { lambdaBundling } from '../infra/bundling.js';
import { benchEnrollmentRoutes } from './bench/enrollment-routes.js';
import { benchPortalUsers } from './bench/portal-users.js';
import { benchReset } from './bench/reset.js';
import { benchLockoutScan } from './bench/lockout-scan.js';
import { benchExitCode, budgetMisses, budgetSummary, type BudgetMiss } from './bench/budget.js';
import { buildAppFiles } from './build-app.js';
import { benchAppFirstScreen } from './bench/app-first-screen.js';

const root = resolve(__dirname, '..');
const outRoot = join(root, '.bench');
const initRuns = Number(process.env.BENCH_INIT_RUNS ?? 15);

/** Budgets from the foundation issue: each API-facing function stays small and quick to start. */
const budgets = { sizeKb: 400, initOverBaselineMs: 60 };
const apiFacing = new Set(['api', 'inbound-sms']);

/** Configuration every function parses at init; values are placeholders, nothing is contacted at init. */
const benchEnv: Record<string, string> = {
  POWERTOOLS_SERVICE_NAME: 'blink-bench',
  POWERTOOLS_METRICS_DISABLED: 'true',
  POWERTOOLS_TRACE_ENABLED: 'false',
  AWS_REGION: 'us-east-1',
  AWS_ACCESS_KEY_ID: 'bench',
  AWS_SECRET_ACCESS_KEY: 'bench',
  AWS_SDK_JS_SUPPRESS_NODE_VERSION_WARNING: '1',
  TABLE_NAME: 'blink-bench',
  JOB_QUEUE_URL: 'http://127.0.0.1:9/000000000000/blink-jobs',
  PUBLIC_BASE_URL: 'https://blink.example.com',
  EMAIL_FROM: 'blink@example.com',
  SMS_ORIGINATION_IDENTITIES: '+18553917277,+14437477277',
  SMS_INBOUND_NUMBERS: '+18553917277,+14437477277',
  LDAP_URLS: 'ldaps://127.0.0.1:9',
  LDAP_BASE_DN: 'DC=corp,DC=example,DC=test',
  LDAP_BIND_DN: 'CN=svc-blink,DC=corp,DC=example,DC=test',
  LDAP_CA_FILE: join(outRoot, 'bench-ca.pem'),
  DIRECTORY_BIND_SECRET_ARN: 'arn:aws:secretsmanager:us-east-1:123456789012:secret:blink-bind',
  TOKEN_HMAC_SECRET_ARN: 'arn:aws:secretsmanager:us-east-1:123456789012:secret:blink-hmac',
  VAPID_SECRET_ARN: 'arn:aws:secretsmanager:us-east-1:123456789012:secret:blink-vapid',
  DIRECTORY_WORKER_FUNCTION: 'blink-directory-worker',
};

interface BundleFigures {
  name: string;
  sizeKb: number;
  initMs: number;
  /** The packages that weigh most in the bundle, largest first. */
  heaviest: string;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

async function bundle(name: string, entry: string): Promise<{ file: string; heaviest: string }> {
  const outfile = join(outRoot, name, 'index.js');
  const result = await build({
    ...lambdaBundling.esbuild,
    mainFields: [...lambdaBundling.esbuild.mainFields],
    external: [...lambdaBundling.esbuild.external],
    entryPoints: [entry],
    outfile,
    logLevel: 'error',
    metafile: true,
  });
  const bytesByPackage = new Map<string, number>();
  for (const output of Object.values(result.metafile.outputs)) {
    for (const [input, { bytesInOutput }] of Object.entries(output.inputs)) {
      const owner = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(input)?.[1] ?? '(project)';
      bytesByPackage.set(owner, (bytesByPackage.get(owner) ?? 0) + bytesInOutput);
    }
  }
  const heaviest = [...bytesByPackage.entries()]
    .sort((a, b) => b[1] - a[1])
    .slice(0, 3)
    .map(([owner, bytes]) => `${owner} ${(bytes / 1024).toFixed(0)}`)
    .join(', ');
  return { file: outfile, heaviest };
}

/** Median wall time of loading the bundle in a fresh node process (the part of a cold start our code controls). */
function measureInit(file: string): number {
  const probe = `const t=process.hrtime.bigint();require(${JSON.stringify(file)});process.stdout.write(String(Number(process.hrtime.bigint()-t)/1e6))`;
  const samples: number[] = [];
  for (let run = 0; run < initRuns; run += 1) {
    // With the NODE_OPTIONS the functions run with: loading the source map is part of their cold start.
    const result = spawnSync(process.execPath, ['-e', probe], {
      env: { ...process.env, ...benchEnv, NODE_OPTIONS: lambdaBundling.nodeOptions },
      encoding: 'utf8',
    });
    if (result.status !== 0) throw new Error(`loading ${file} failed:\n${result.stderr}`);
    samples.push(Number(result.stdout));
  }
  return median(samples);
}

async function benchBundles(): Promise<BundleFigures[]> {
  const baselineEntry = join(outRoot, 'baseline-entry.js');
  writeFileSync(baselineEntry, 'exports.handler = async () => ({ statusCode: 200, body: "" });\n');
  writeFileSync(benchEnv.LDAP_CA_FILE!, '-----BEGIN CERTIFICATE-----\nbench\n-----END CERTIFICATE-----\n');
  const figures: BundleFigures[] = [];
  const baseline = await bundle('baseline', baselineEntry);
  figures.push({
    name: 'baseline (empty)',
    sizeKb: statSync(baseline.file).size / 1024,
    initMs: measureInit(baseline.file),
    heaviest: '',
  });
  const functionsDir = join(root, 'functions');
  for (const name of readdirSync(functionsDir).sort()) {
    const entry = join(functionsDir, name, 'index.ts');
    if (!existsSync(entry)) continue;
    const { file, heaviest } = await bundle(name, entry);
    figures.push({ name, sizeKb: statSync(file).size / 1024, initMs: measureInit(file), heaviest });
  }
  return figures;
}

function printBundleTable(figures: BundleFigures[]): BudgetMiss[] {
  const baseline = figures[0]!;
  const misses = budgetMisses(
    figures
      .slice(1)
      .map((row) => ({ name: row.name, sizeKb: row.sizeKb, initOverBaselineMs: row.initMs - baseline.initMs })),
    budgets,
    apiFacing,
  );
  const missed = new Set(misses.map((miss) => miss.name));
  console.log(`\nLambda bundles (minified, as CDK builds them); init = median of ${initRuns} cold module loads`);
  console.log(
    '| function | size KB | init ms | init over baseline ms | init ratio | budget | heaviest packages (KB) |',
  );
  console.log('|---|---:|---:|---:|---:|---|---|');
  for (const row of figures) {
    const over = row.initMs - baseline.initMs;
    const isBaseline = row === baseline;
    const budgeted = apiFacing.has(row.name);
    const verdict = isBaseline
      ? '—'
      : !budgeted
        ? 'not budgeted'
        : missed.has(row.name)
          ? 'OVER BUDGET'
          : `ok (≤ ${budgets.sizeKb} KB, ≤ ${budgets.initOverBaselineMs} ms)`;
    console.log(
      `| ${row.name} | ${row.sizeKb.toFixed(1)} | ${row.initMs.toFixed(1)} | ${isBaseline ? '—' : over.toFixed(1)} | ${(row.initMs / baseline.initMs).toFixed(2)}× | ${verdict} | ${row.heaviest} |`,
    );
  }
  return misses;
}

async function main(): Promise<void> {
  // The SDK's notice that future versions need Node 22 would interleave with the tables (Lambda runs Node 24).
  process.env.AWS_SDK_JS_SUPPRESS_NODE_VERSION_WARNING ??= '1';
  rmSync(outRoot, { recursive: true, force: true });
  mkdirSync(outRoot, { recursive: true });
  const bundles = await benchBundles();
  const misses = printBundleTable(bundles);
  // The Blink app's first screen: what a phone downloads before it can show anything (budget in app-build.test.ts).
  const { firstScreenJsGzipBytes } = await buildAppFiles();
  console.log(
    `\nBlink app (app/): first-screen JavaScript ${(firstScreenJsGzipBytes / 1024).toFixed(1)} KB gzipped (budget 60 KB)`,
  );
  await benchAppFirstScreen();
  await benchEnrollmentRoutes();
  await benchPortalUsers();
  await benchReset();
  await benchLockoutScan();
  const strict = process.argv.slice(2).includes('--strict');
  console.log(`\n${budgetSummary(misses, strict)}`);
  process.exitCode = benchExitCode(misses, strict);
}

main().catch((error: unknown) => {
  console.error('The bench failed:', error);
  process.exit(1);
});
