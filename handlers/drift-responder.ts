import middy from '@middy/core';
import { createResponder } from './composition.js';
import { logInvocationContext } from './logger.js';

export type { HandlerResult } from './composition.js';
export { InvalidEventError } from './errors.js';

// Cold start: a misconfigured function fails here, naming the variable, before it can act on any event.
const responder = createResponder({ env: process.env });

/** Lambda entry point: an EventBridge event in (a GuardDuty CloudTrail record or the sweep schedule). */
export const handler = middy(responder.handle).use(logInvocationContext(responder.logger));
