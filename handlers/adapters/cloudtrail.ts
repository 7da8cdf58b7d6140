import {
  CloudTrailClient,
  type CloudTrailClientConfig,
  GetTrailStatusCommand,
  StartLoggingCommand,
} from '@aws-sdk/client-cloudtrail';
import type { TrailsPort } from '../ports.js';

/** The trail the app created. The client is built on first use (see eventbridge.ts for the static import). */
export function cloudTrailAdapter(config: CloudTrailClientConfig): TrailsPort {
  let built: CloudTrailClient | undefined;
  const connect = () => {
    built ??= new CloudTrailClient(config);
    return built;
  };
  return {
    async isLogging(nameOrArn) {
      const client = connect();
      try {
        const status = await client.send(new GetTrailStatusCommand({ Name: nameOrArn }));
        return status.IsLogging === true;
      } catch (error) {
        if (error instanceof Error && error.name === 'TrailNotFoundException') return undefined;
        throw error;
      }
    },
    async startLogging(nameOrArn) {
      const client = connect();
      await client.send(new StartLoggingCommand({ Name: nameOrArn }));
    },
  };
}
