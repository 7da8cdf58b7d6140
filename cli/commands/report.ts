/**
 * `guardduty-drift report`: the evidence report of a period, from the state table (reads only: its resource policy
 * denies writes to anyone but the function) and the detectors as they are now. Its own argument parser, so the
 * other commands' options stay as they are.
 */
import { writeFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { CloudWatchClient, GetMetricDataCommand } from '@aws-sdk/client-cloudwatch';
import { type AttributeValue, DynamoDBClient, ScanCommand } from '@aws-sdk/client-dynamodb';
import * as z from 'zod/mini';
import { COMPLIANCE_METRIC, DEFAULTS, EVIDENCE_RETENTION_DAYS } from '../../handlers/contract.js';
import type { GlobalOptions } from '../args.js';
import { createAwsContext } from '../aws.js';
import { AwsCallError, UsageError } from '../errors.js';
import {
  buildEvidence,
  type CurrentDetector,
  regionsNamed,
  renderEvidenceMarkdown,
  type StateItem,
  type WatchEvidence,
} from '../report-evidence.js';
import { renderEvidenceHtml } from '../report-html.js';
import { type HourlyMinimum, hourAtOrAfter, type RegionWatch, watchOf } from '../report-watch.js';
import { forEachDetector, forEachRegion, type RunContext } from '../run.js';

export const REPORT_HELP = `Usage: guardduty-drift report --table NAME [--since 90d] [--format md|html|json] [--output FILE]
                             [--namespace NS] [--region R ...|--all-regions] [--profile NAME]

The evidence report of a period: per account, Region and detector, the verdict now, every restore the responder
recorded (when, who turned protection off, which generation it restored, the event), the last case, the exemption,
the denied attempts, and hour by hour whether the responder watched and what it saw (the hourly minimum of its
compliance metric). The state table keeps restores and denied attempts ${EVIDENCE_RETENTION_DAYS} days, CloudWatch
hourly statistics 455 days; for a longer period the report says so (docs/audit.md).

  --table NAME        the responder's state table (the stack output / STATE_TABLE_NAME), read with dynamodb:Scan
  --since 90d         the period: N days (1 to 3650) back from now, or an ISO 8601 date (default 90d)
  --format md|html|json
                      Markdown (default), one self-contained HTML file with an SVG timeline, or JSON
  --output FILE       write the report to FILE instead of stdout
  --namespace NS      the responder's metric namespace (METRIC_NAMESPACE; default ${DEFAULTS.metricNamespace})

IAM: dynamodb:Scan on the table, guardduty:ListDetectors, guardduty:GetDetector, cloudwatch:GetMetricData (without
it the report says the metric was not read and draws the timeline from the table alone).`;

const schema = z.object({
  table: z.string().check(z.regex(/^[A-Za-z0-9_.-]{3,255}$/, { error: 'expected a DynamoDB table name' })),
  since: z._default(z.string(), '90d'),
  format: z._default(z.enum(['md', 'html', 'json'], { error: 'expected "md", "html" or "json"' }), 'md'),
  output: z.optional(z.string().check(z.minLength(1))),
  namespace: z._default(
    z.string().check(
      z.regex(/^[^:][\x20-\x7E]{0,254}$/, {
        error: 'expected a CloudWatch namespace (1-255 printable ASCII)',
      }),
    ),
    DEFAULTS.metricNamespace,
  ),
  region: z.optional(z.array(z.string())),
  'all-regions': z.optional(z.boolean()),
  profile: z.optional(z.string()),
  'endpoint-url': z.optional(z.string()),
  'account-id': z.optional(z.string()),
});

export interface ReportRequest {
  readonly table: string;
  readonly since: Date;
  readonly format: 'md' | 'html' | 'json';
  readonly output: string | undefined;
  readonly namespace: string;
  readonly options: GlobalOptions;
}

const DAY_MS = 86_400_000;
const EVALUATION = { requireAgentManagement: true, runtimeTarget: 'any' as const };

/** `90d` or an ISO date, as the start of the period; throws UsageError otherwise. */
export function periodStart(since: string, now: Date): Date {
  const days = /^(\d{1,4})d$/.exec(since);
  if (days) {
    const count = Number(days[1]);
    if (count < 1 || count > 3650) throw new UsageError(`--since ${since}: expected 1 to 3650 days`);
    return new Date(now.getTime() - count * DAY_MS);
  }
  const at = /^\d{4}-\d{2}-\d{2}/.test(since) ? Date.parse(since) : Number.NaN;
  if (!Number.isFinite(at) || at > now.getTime())
    throw new UsageError(`--since ${since}: expected a number of days such as 90d, or a past ISO 8601 date`);
  return new Date(at);
}

export function parseReportArgs(argv: readonly string[], now: Date): ReportRequest | 'help' {
  if (argv.includes('--help') || argv.includes('-h')) return 'help';
  let values: Record<string, unknown>;
  try {
    values = parseArgs({
      args: [...argv],
      options: {
        table: { type: 'string' },
        since: { type: 'string' },
        format: { type: 'string' },
        output: { type: 'string' },
        namespace: { type: 'string' },
        region: { type: 'string', multiple: true },
        'all-regions': { type: 'boolean' },
        profile: { type: 'string' },
        'endpoint-url': { type: 'string' },
        'account-id': { type: 'string' },
      },
      strict: true,
      allowPositionals: false,
    }).values;
  } catch (error) {
    throw new UsageError(`report: ${error instanceof Error ? error.message.split('\n')[0] : String(error)}`, {
      cause: error,
    });
  }
  const parsed = schema.safeParse(values);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => {
      const option = issue.path.find((part) => typeof part === 'string');
      return option === 'table' && values.table === undefined
        ? '--table: missing (the responder state table name)'
        : `--${String(option)}: ${issue.message}`;
    });
    throw new UsageError(`${problems.join('\n')}\nRun \`guardduty-drift report --help\` for usage.`);
  }
  const data = parsed.data;
  const regions = [...new Set(data.region ?? [])];
  return {
    table: data.table,
    since: periodStart(data.since, now),
    format: data.format,
    output: data.output,
    namespace: data.namespace,
    options: {
      scope: data['all-regions']
        ? { kind: 'all' }
        : regions.length
          ? { kind: 'list', regions }
          : { kind: 'default' },
      profile: data.profile,
      accountId: data['account-id'],
      endpointUrl: data['endpoint-url'],
      json: data.format === 'json',
      // As the responder's defaults evaluate (REQUIRE_AGENT_MANAGEMENT=true, RUNTIME_TARGET=any).
      ...EVALUATION,
    },
  };
}

/** A scanned item with every attribute as text (numbers as their digits, string sets as arrays). */
function plain(item: Record<string, AttributeValue>): StateItem {
  const out: Record<string, string | readonly string[]> = {};
  for (const [name, value] of Object.entries(item)) {
    if (value.S !== undefined) out[name] = value.S;
    else if (value.N !== undefined) out[name] = value.N;
    else if (value.SS !== undefined) out[name] = value.SS;
    else if (value.BOOL !== undefined) out[name] = String(value.BOOL);
  }
  return out;
}

/** Every item of the table, every page (the table holds days of history: small). */
async function scanTable(client: DynamoDBClient, table: string): Promise<StateItem[]> {
  const items: StateItem[] = [];
  let start: Record<string, AttributeValue> | undefined;
  do {
    const page = await client.send(new ScanCommand({ TableName: table, ExclusiveStartKey: start }));
    items.push(...(page.Items ?? []).map(plain));
    start = page.LastEvaluatedKey;
  } while (start !== undefined);
  return items;
}

/** A Region's compliance metric over the period, hourly minimum, every page of GetMetricData. */
async function readHourlyCompliance(
  client: CloudWatchClient,
  namespace: string,
  region: string,
  since: Date,
  until: Date,
): Promise<HourlyMinimum[]> {
  const points: HourlyMinimum[] = [];
  let token: string | undefined;
  do {
    const page = await client.send(
      new GetMetricDataCommand({
        StartTime: hourAtOrAfter(since),
        EndTime: hourAtOrAfter(until),
        ScanBy: 'TimestampAscending',
        NextToken: token,
        MetricDataQueries: [
          {
            Id: 'compliance',
            MetricStat: {
              Metric: {
                Namespace: namespace,
                MetricName: COMPLIANCE_METRIC,
                Dimensions: [{ Name: 'Region', Value: region }],
              },
              Period: 3600,
              Stat: 'Minimum',
            },
          },
        ],
      }),
    );
    for (const result of page.MetricDataResults ?? []) {
      const values = result.Values ?? [];
      (result.Timestamps ?? []).forEach((at, index) => {
        const minimum = values[index];
        if (minimum !== undefined) points.push({ at, minimum });
      });
    }
    token = page.NextToken;
  } while (token !== undefined);
  return points;
}

/** Each Region's watch; a Region whose metric cannot be read is listed with the reason, never guessed. */
async function readWatch(
  request: ReportRequest,
  regions: readonly string[],
  until: Date,
): Promise<WatchEvidence> {
  const watched: RegionWatch[] = [];
  const unavailable: { region: string; reason: string }[] = [];
  await Promise.all(
    regions.map(async (region) => {
      const client = new CloudWatchClient({
        region,
        ...(request.options.profile ? { profile: request.options.profile } : {}),
      });
      try {
        const points = await readHourlyCompliance(client, request.namespace, region, request.since, until);
        watched.push(watchOf(region, points, request.since, until));
      } catch (error) {
        const name = error instanceof Error ? error.name : 'Error';
        unavailable.push({
          region,
          reason: name.includes('AccessDenied')
            ? 'access denied: the identity needs cloudwatch:GetMetricData'
            : `${name}: ${error instanceof Error ? error.message.slice(0, 200) : String(error)}`,
        });
      } finally {
        client.destroy();
      }
    }),
  );
  const byRegion = (a: { region: string }, b: { region: string }) => a.region.localeCompare(b.region);
  return {
    metric: `${request.namespace}/${COMPLIANCE_METRIC}`,
    regions: watched.sort(byRegion),
    unavailable: unavailable.sort(byRegion),
  };
}

export async function report(
  request: ReportRequest,
  io: {
    readonly stdout: (text: string) => void;
    readonly stderr: (text: string) => void;
    readonly now: () => Date;
  },
): Promise<void> {
  const context: RunContext = {
    aws: await createAwsContext({
      profile: request.options.profile,
      accountId: request.options.accountId,
      endpointUrl: request.options.endpointUrl,
      env: process.env,
    }),
    options: request.options,
    now: io.now,
    progress: (line) => io.stderr(`${line}\n`),
    error: (line) => io.stderr(`guardduty-drift: ${line}\n`),
  };
  const current: CurrentDetector[] = [];
  await forEachRegion(context, (guardDuty, results) =>
    forEachDetector(guardDuty, context, results, async (inspection, record) => {
      const exemption = inspection.exemption;
      // arn:PARTITION:guardduty:REGION:ACCOUNT:detector/ID: the account the detector belongs to (--account-id or STS).
      const arn = await guardDuty.detectorArn(inspection.state.detectorId).catch(() => undefined);
      current.push({
        accountId: arn?.split(':')[4] || 'unknown',
        region: guardDuty.region,
        detectorId: inspection.state.detectorId,
        verdict: inspection.verdict,
        generationInUse: inspection.evaluation.generationInUse ?? null,
        exemption:
          exemption.status === 'active' ? `active until ${exemption.until}: ${exemption.reason}` : null,
      });
      return record.finish(undefined, inspection.verdict !== 'non-compliant');
    }),
  );
  const region = await context.aws.defaultRegion().catch(() => undefined);
  const tableRegion =
    request.options.scope.kind === 'list' ? request.options.scope.regions[0] : (region ?? 'us-east-1');
  const dynamoDb = new DynamoDBClient({
    ...(tableRegion ? { region: tableRegion } : {}),
    ...(request.options.profile ? { profile: request.options.profile } : {}),
  });
  let items: StateItem[];
  try {
    items = await scanTable(dynamoDb, request.table);
  } catch (error) {
    const name = error instanceof Error ? error.name : 'Error';
    throw new AwsCallError(
      `reading the state table ${request.table} in ${tableRegion}: ${error instanceof Error ? error.message : String(error)}` +
        (name.includes('AccessDenied') ? ' (the identity needs dynamodb:Scan on the table)' : ''),
      name.includes('AccessDenied') ? 'access-denied' : 'aws',
      { cause: error },
    );
  }
  const until = io.now();
  const regions = [
    ...new Set([
      ...current.map((detector) => detector.region),
      ...regionsNamed(items),
      ...(request.options.scope.kind === 'list' ? request.options.scope.regions : []),
    ]),
  ];
  const evidence = buildEvidence({
    items,
    current,
    since: request.since,
    until,
    table: request.table,
    generatedAt: until,
    watch: await readWatch(request, regions, until),
  });
  const document =
    request.format === 'json'
      ? `${JSON.stringify(evidence, null, 2)}\n`
      : request.format === 'html'
        ? renderEvidenceHtml(evidence)
        : renderEvidenceMarkdown(evidence);
  if (request.output === undefined) io.stdout(document);
  else {
    await writeFile(request.output, document);
    io.stderr(`wrote ${request.output}\n`);
  }
}
