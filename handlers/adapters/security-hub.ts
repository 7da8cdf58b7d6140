/**
 * Security Hub for the findings of drifts (SECURITY_HUB=true). The SDK module is loaded with a dynamic import and the
 * client built on the first call, so a deployment without Security Hub (the default) never loads either.
 */
import type { SecurityHubClient, SecurityHubClientConfig } from '@aws-sdk/client-securityhub';
import { batches } from '../core/finding.js';
import type { AsffFinding, FindingsPort } from '../ports.js';

type SecurityHubSdk = typeof import('@aws-sdk/client-securityhub');

export interface SecurityHubConnection {
  readonly sdk: SecurityHubSdk;
  readonly client: SecurityHubClient;
}

/** Loads the SDK module and builds the client once, on first use; a failed load is tried again on the next call. */
export function lazySecurityHub(config: SecurityHubClientConfig): () => Promise<SecurityHubConnection> {
  let connection: Promise<SecurityHubConnection> | undefined;
  return () => {
    connection ??= import('@aws-sdk/client-securityhub').then(
      (sdk) => ({ sdk, client: new sdk.SecurityHubClient(config) }),
      (error: unknown) => {
        connection = undefined;
        throw new Error('the Security Hub SDK could not be loaded', { cause: error });
      },
    );
    return connection;
  };
}

/** What Security Hub refused, with its reasons (both calls answer 200 and list the findings they did not take). */
export class SecurityHubRefusedError extends Error {
  override readonly name = 'SecurityHubRefusedError';
}

export function securityHubAdapter(connect: () => Promise<SecurityHubConnection>): FindingsPort {
  return {
    async import(findings) {
      const { sdk, client } = await connect();
      for (const batch of batches(findings)) {
        const output = await client.send(
          new sdk.BatchImportFindingsCommand({
            // The finding is plain ASFF data built by core/finding.ts; the SDK's type is its exact shape.
            Findings: batch as unknown as NonNullable<
              ConstructorParameters<SecurityHubSdk['BatchImportFindingsCommand']>[0]['Findings']
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
      const { sdk, client } = await connect();
      for (const batch of batches(findings)) {
        const output = await client.send(
          new sdk.BatchUpdateFindingsCommand({
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
