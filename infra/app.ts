import { App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks, ServerlessChecks } from 'cdk-nag';
import { AppConfigError, loadAppConfig } from './config.js';
import { addScpStack } from './scp-stack.js';
import { addResponderStacks } from './stack.js';

const app = new App();
try {
  const config = loadAppConfig(app.node.getAllContext());
  addResponderStacks(app, config, process.env.CDK_DEFAULT_ACCOUNT);
  // Only with createScp: without it the app has exactly the responder stacks.
  addScpStack(app, config, process.env.CDK_DEFAULT_ACCOUNT);
} catch (error) {
  if (!(error instanceof AppConfigError)) throw error;
  console.error(error.message);
  process.exit(1);
}
// Every synth (and so every deploy) fails on an unacknowledged cdk-nag finding.
Validations.of(app).addPlugins(new AwsSolutionsChecks(app), new ServerlessChecks(app));
app.synth();
