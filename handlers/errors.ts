/** Every error the responder throws on purpose. Each keeps its `cause`, so the log shows the AWS error beneath. */

/** The event claims to be one the responder handles but does not validate: it goes to the dead-letter queue. */
export class InvalidEventError extends Error {
  override readonly name = 'InvalidEventError';
}

/** The remediation, an alert, or the state store failed: the invocation must fail so Lambda retries it. */
export class ResponderError extends Error {
  override readonly name = 'ResponderError';
}

/** The organization scope needs the GuardDuty delegated administrator account. */
export class OrganizationScopeError extends Error {
  override readonly name = 'OrganizationScopeError';
}

/** `name: message` of an error, for alerts and log fields. */
export function describeError(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}

/** An error and its causes, one `name: message` each, for the log. */
export function describeChain(error: unknown): string[] {
  const chain: string[] = [];
  for (let current = error; current !== undefined && chain.length < 5; ) {
    chain.push(describeError(current));
    current = current instanceof Error ? current.cause : undefined;
  }
  return chain;
}

/** The exhaustive end of a `switch`: adding a case to a union makes every unhandled switch fail to compile. */
export function assertNever(value: never): never {
  throw new Error(`unhandled case: ${JSON.stringify(value)}`);
}
