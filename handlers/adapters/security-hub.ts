/**
 * Security Hub for the findings of drifts (SECURITY_HUB=true). The client is built on the first call, so a
 * deployment without Security Hub (the default) never builds one. The module is imported statically: in the one-file
 * bundle a dynamic import() keeps the whole client package, a static one only the two commands sent
 * (handlers/clients.ts RESPONDER_SDK_CLIENTS).
 */
import {
  BatchImportFindingsCommand,
  BatchUpdateFindingsCommand,
  SecurityHubClient,
  type SecurityHubClientConfig,
} from '@aws-sdk/client-securityhub';
import { batches } from '../core/finding.js';
import type { AsffFinding, FindingsPort } from '../ports.js';

/** Builds the client once, on first use. */
export function lazySecurityHub(config: SecurityHubClientConfig): () => SecurityHubClient {
  let built: SecurityHubClient | undefined;
  return () => {
    built ??= new SecurityHubClient(config);
    return built;
  };
}

/** What Security Hub refused, with its reasons (both calls answer 200 and list the findings they did not take). */
export class SecurityHubRefusedError extends Error {
  override readonly name = 'SecurityHubRefusedError';
}

export function securityHubAdapter(connect: () => SecurityHubClient): FindingsPort {
  return {
    async import(findings) {
      const client = connect();
      for (const batch of batches(findings)) {
        const output = await client.send(
          new BatchImportFindingsCommand({
            // The finding is plain ASFF data built by core/finding.ts; the SDK's type is its exact shape.
            Findings: batch as unknown as NonNullable<
              ConstructorParameters<typeof BatchImportFindingsCommand>[0]['Findings']
            >,
          }),
        );
        const failed = output.FailedFindings ?? [];
        if ((output.FailedCount ?? 0) > 0 || failed.length > 0) {
          const reasons = failed.map((entry) =>
            `${entry.Id ?? '?'}: ${entry.ErrorCode ?? '?'} ${entry.ErrorMessage ?? ''}`.trim(),
          );
          throw new SecurityHubRefusedError(
            `BatchImportFindings refused ${output.FailedCount ?? failed.length} of ${batch.length} finding(s): ${reasons.join('; ')}`,
          );
        }
      }
    },

    async resolve(findings, note) {
      const client = connect();
      for (const batch of batches(findings)) {
        const output = await client.send(
          new BatchUpdateFindingsCommand({
            FindingIdentifiers: batch.map((finding: Pick<AsffFinding, 'Id' | 'ProductArn'>) => ({
              Id: finding.Id,
              ProductArn: finding.ProductArn,
            })),
            Workflow: { Status: 'RESOLVED' },
            Note: { Text: note.slice(0, 512), UpdatedBy: 'guardduty-drift-responder' },
          }),
        );
        const unprocessed = output.UnprocessedFindings ?? [];
        if (unprocessed.length > 0) {
          const reasons = unprocessed.map((entry) =>
            `${entry.FindingIdentifier?.Id ?? '?'}: ${entry.ErrorCode ?? '?'} ${entry.ErrorMessage ?? ''}`.trim(),
          );
          throw new SecurityHubRefusedError(
            `BatchUpdateFindings left ${unprocessed.length} of ${batch.length} finding(s) unprocessed: ${reasons.join('; ')}`,
          );
        }
      }
    },
  };
}
