import type { CloudTrailClient, CloudTrailClientConfig } from '@aws-sdk/client-cloudtrail';
import type { TrailsPort } from '../ports.js';

type Sdk = typeof import('@aws-sdk/client-cloudtrail');

/** The trail the app created. Module and client on first use (see eventbridge.ts). */
export function cloudTrailAdapter(config: CloudTrailClientConfig): TrailsPort {
  let connection: Promise<{ sdk: Sdk; client: CloudTrailClient }> | undefined;
  const connect = () => {
    connection ??= import('@aws-sdk/client-cloudtrail').then((sdk) => ({
      sdk,
      client: new sdk.CloudTrailClient(config),
    }));
    return connection;
  };
  return {
    async isLogging(nameOrArn) {
      const { sdk, client } = await connect();
      try {
        const status = await client.send(new sdk.GetTrailStatusCommand({ Name: nameOrArn }));
        return status.IsLogging === true;
      } catch (error) {
        if (error instanceof Error && error.name === 'TrailNotFoundException') return undefined;
        throw error;
      }
    },
    async startLogging(nameOrArn) {
      const { sdk, client } = await connect();
      await client.send(new sdk.StartLoggingCommand({ Name: nameOrArn }));
    },
  };
}
