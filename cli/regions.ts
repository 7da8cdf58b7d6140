/**
 * The Regions the CLI knows, pinned from the AWS SDK's partition data (endpoints ruleset of @aws-sdk/core 3.981).
 * GuardDuty is available in every one of them. A pinned list keeps `--all-regions` free of an EC2 dependency
 * (DescribeRegions) and lets `--region` catch typos before any call; a Region launched after this list needs a
 * CLI update (add it here).
 */
export const PARTITIONS = {
  aws: [
    'af-south-1',
    'ap-east-1',
    'ap-east-2',
    'ap-northeast-1',
    'ap-northeast-2',
    'ap-northeast-3',
    'ap-south-1',
    'ap-south-2',
    'ap-southeast-1',
    'ap-southeast-2',
    'ap-southeast-3',
    'ap-southeast-4',
    'ap-southeast-5',
    'ap-southeast-6',
    'ap-southeast-7',
    'ca-central-1',
    'ca-west-1',
    'eu-central-1',
    'eu-central-2',
    'eu-north-1',
    'eu-south-1',
    'eu-south-2',
    'eu-west-1',
    'eu-west-2',
    'eu-west-3',
    'il-central-1',
    'me-central-1',
    'me-south-1',
    'me-west-1',
    'mx-central-1',
    'sa-east-1',
    'sa-west-1',
    'us-east-1',
    'us-east-2',
    'us-west-1',
    'us-west-2',
  ],
  'aws-cn': ['cn-north-1', 'cn-northwest-1'],
  'aws-us-gov': ['us-gov-east-1', 'us-gov-west-1'],
} as const;

export type Partition = keyof typeof PARTITIONS;

/**
 * Regions an account must opt in to. There, a call from an account that has not opted in fails with an
 * invalid-token error: `--all-regions` reports such a Region as skipped instead of failing the whole scan.
 */
export const OPT_IN_REGIONS: ReadonlySet<string> = new Set([
  'af-south-1',
  'ap-east-1',
  'ap-east-2',
  'ap-south-2',
  'ap-southeast-3',
  'ap-southeast-4',
  'ap-southeast-5',
  'ap-southeast-6',
  'ap-southeast-7',
  'ca-west-1',
  'eu-central-2',
  'eu-south-1',
  'eu-south-2',
  'il-central-1',
  'me-central-1',
  'me-south-1',
  'me-west-1',
  'mx-central-1',
  'sa-west-1',
]);

const ALL_REGIONS: readonly string[] = Object.values(PARTITIONS).flat();

export function isKnownRegion(region: string): boolean {
  return ALL_REGIONS.includes(region);
}

/** The partition of a known Region (`aws` for anything else, which callers reject first). */
export function partitionOf(region: string): Partition {
  if (region.startsWith('cn-')) return 'aws-cn';
  if (region.startsWith('us-gov-')) return 'aws-us-gov';
  return 'aws';
}

/** Every Region of the partition `home` belongs to: what `--all-regions` scans. */
export function regionsOfPartition(home: string): readonly string[] {
  return PARTITIONS[partitionOf(home)];
}

function distance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, index) => index);
  for (let i = 1; i <= a.length; i += 1) {
    let diagonal = row[0] ?? 0;
    row[0] = i;
    for (let j = 1; j <= b.length; j += 1) {
      const above = row[j] ?? 0;
      const left = row[j - 1] ?? 0;
      row[j] = Math.min(above + 1, left + 1, diagonal + (a[i - 1] === b[j - 1] ? 0 : 1));
      diagonal = above;
    }
  }
  return row[b.length] ?? Number.POSITIVE_INFINITY;
}

/** The known Region closest to a mistyped one, when it is close enough to be a typo. */
export function suggestRegion(region: string): string | undefined {
  let best: { region: string; distance: number } | undefined;
  for (const candidate of ALL_REGIONS) {
    const d = distance(region.toLowerCase(), candidate);
    if (best === undefined || d < best.distance) best = { region: candidate, distance: d };
  }
  return best && best.distance <= 3 ? best.region : undefined;
}
