/**
 * The wire protocols the SDK v3 clients of the responder speak, as far as the loopback stub server needs them:
 * GuardDuty restJson1 (camelCase JSON, timestamps as epoch seconds, `x-amzn-errortype`), SNS awsQuery (a form in,
 * XML out), CloudWatch awsJson1_0 with awsQuery compatibility (client 3.1164: `X-Amz-Target:
 * GraniteServiceVersion20100801.*`, errors also in `x-amzn-query-error`) and DynamoDB awsJson1_0 (`X-Amz-Target:
 * DynamoDB_20120810.*`, the SDK's shapes as they are).
 */

export type Service = 'guardduty' | 'sns' | 'monitoring' | 'dynamodb';

export interface WireResponse {
  readonly status: number;
  readonly headers: Record<string, string>;
  readonly body: string;
}

/** An error the stub answers with: the AWS error code, its HTTP status and extra members (DynamoDB's `Item`). */
export class StubError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly status = 400,
    readonly members: Record<string, unknown> = {},
  ) {
    super(message);
    this.name = code;
  }
}

/** Service and Region from the SigV4 Authorization header's credential scope (`KEY/DATE/REGION/SERVICE/aws4_request`). */
export function credentialScope(
  authorization: string | undefined,
): { service: string; region: string } | undefined {
  const match = /Credential=[^/]+\/\d{8}\/([^/]+)\/([^/]+)\/aws4_request/.exec(authorization ?? '');
  return match?.[1] && match[2] ? { region: match[1], service: match[2] } : undefined;
}

// -- restJson1 (GuardDuty) ----------------------------------------------------------------------------------------

/*
 * Member names on the wire come from the SDK's own model (its schemas, exported by the client package): each member
 * goes by its `jsonName` trait (`MemberDataSourceConfigurations` is `members`, `AccountIds` is `accountIds`), and a
 * timestamp goes as epoch seconds, restJson1's default. A schema is a number for a simple type (bit 64: a list of it,
 * bit 128: a map of it), or [kind, namespace, name, traits, …]: 3 a structure (member names, member schemas),
 * 1 a list (member), 2 a map (key, value), 9 an operation (input, output).
 */
type SchemaRef = number | (() => SchemaRef) | readonly unknown[];
type Simple = (value: unknown, kind: number) => unknown;

const TIMESTAMP = 4;
const EPOCH_SECONDS = 7;

function walk(value: unknown, ref: unknown, simple: Simple, toWire: boolean): unknown {
  const schema = typeof ref === 'function' ? (ref as () => unknown)() : ref;
  if (value === undefined || value === null) return value;
  if (typeof schema === 'number') {
    if (schema & 64 && Array.isArray(value)) return value.map((entry) => simple(entry, schema & 63));
    if (schema & 128 && typeof value === 'object') return value;
    return simple(value, schema);
  }
  if (!Array.isArray(schema)) return value;
  const [kind] = schema as [number];
  if (kind === 1 && Array.isArray(value)) {
    const member = memberSchema(schema[4]);
    return value.map((entry) => walk(entry, member, simple, toWire));
  }
  if (kind === 2 && typeof value === 'object') {
    const member = memberSchema(schema[5]);
    return Object.fromEntries(
      Object.entries(value).map(([key, entry]) => [key, walk(entry, member, simple, toWire)]),
    );
  }
  if (kind !== 3 || typeof value !== 'object') return value;
  const names = schema[4] as readonly string[];
  const members = schema[5] as readonly unknown[];
  const source = value as Record<string, unknown>;
  const out: Record<string, unknown> = {};
  names.forEach((name, index) => {
    const member = members[index];
    const traits = Array.isArray(member) ? member[1] : undefined;
    const jsonName =
      traits && typeof traits === 'object' ? (traits as { jsonName?: string }).jsonName : undefined;
    const [from, to] = toWire ? [name, jsonName ?? name] : [jsonName ?? name, name];
    if (source[from] !== undefined) out[to] = walk(source[from], memberSchema(member), simple, toWire);
  });
  return out;
}

const memberSchema = (member: unknown) => (Array.isArray(member) && member.length === 2 ? member[0] : member);

const toWireSimple: Simple = (value, kind) =>
  (kind === TIMESTAMP || kind === EPOCH_SECONDS) && value instanceof Date ? value.getTime() / 1000 : value;
const fromWireSimple: Simple = (value, kind) =>
  (kind === TIMESTAMP || kind === EPOCH_SECONDS) && typeof value === 'number'
    ? new Date(value * 1000)
    : value;

/** The input and output schemas of an operation schema (`GetMemberDetectors$`). */
export function operationSchemas(operation: unknown): { input: unknown; output: unknown } {
  const schema = Array.isArray(operation) ? operation : [];
  return { input: schema[4], output: schema[5] };
}

/** An SDK-shaped output as the service puts it on the wire. */
export const toRestJson = (output: unknown, schema: SchemaRef) => walk(output, schema, toWireSimple, true);
/** A request body in the SDK's input shape. */
export const fromRestJson = (body: unknown, schema: SchemaRef) => walk(body, schema, fromWireSimple, false);

export function restJsonResponse(output: unknown, schema: SchemaRef): WireResponse {
  return {
    status: 200,
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(toRestJson(output, schema) ?? {}),
  };
}

export function restJsonError(error: StubError): WireResponse {
  return {
    status: error.status,
    headers: { 'content-type': 'application/json', 'x-amzn-errortype': error.code },
    body: JSON.stringify({ message: error.message, ...error.members }),
  };
}

// -- awsJson1_0 (DynamoDB, CloudWatch) ----------------------------------------------------------------------------

const JSON_10 = 'application/x-amz-json-1.0';

export function awsJsonResponse(output: unknown): WireResponse {
  return { status: 200, headers: { 'content-type': JSON_10 }, body: JSON.stringify(output ?? {}) };
}

export function awsJsonError(service: Service, error: StubError): WireResponse {
  const namespace = service === 'dynamodb' ? 'com.amazonaws.dynamodb.v20120810' : 'com.amazonaws.cloudwatch';
  return {
    status: error.status,
    headers: {
      'content-type': JSON_10,
      // CloudWatch is awsQuery-compatible: the query error code and fault travel in this header as well.
      ...(service === 'monitoring'
        ? { 'x-amzn-query-error': `${error.code};${error.status >= 500 ? 'Receiver' : 'Sender'}` }
        : {}),
    },
    body: JSON.stringify({ __type: `${namespace}#${error.code}`, message: error.message, ...error.members }),
  };
}

/** `DynamoDB_20120810.UpdateItem` → `UpdateItem`. */
export const targetOperation = (target: string | undefined) => target?.split('.').pop() ?? '';

// -- awsQuery (SNS) -----------------------------------------------------------------------------------------------

const SNS_XMLNS = 'http://sns.amazonaws.com/doc/2010-03-31/';
const escapeXml = (text: string) => text.replace(/[<>&'"]/g, (char) => `&#${char.charCodeAt(0)};`);

export function snsPublishResponse(messageId: string, requestId: string): WireResponse {
  return {
    status: 200,
    headers: { 'content-type': 'text/xml' },
    body:
      `<PublishResponse xmlns="${SNS_XMLNS}"><PublishResult><MessageId>${escapeXml(messageId)}</MessageId>` +
      `</PublishResult><ResponseMetadata><RequestId>${requestId}</RequestId></ResponseMetadata></PublishResponse>`,
  };
}

/** One confirmed subscription: the topic of every stub world is subscribed (the sweep's wiring check reads it). */
export function snsSubscriptionsResponse(topicArn: string, requestId: string): WireResponse {
  return {
    status: 200,
    headers: { 'content-type': 'text/xml' },
    body:
      `<ListSubscriptionsByTopicResponse xmlns="${SNS_XMLNS}"><ListSubscriptionsByTopicResult><Subscriptions><member>` +
      `<TopicArn>${escapeXml(topicArn)}</TopicArn><Protocol>email</Protocol>` +
      `<SubscriptionArn>${escapeXml(topicArn)}:0b6f3c1e-5d2a-4e8f-9c7b-1a2b3c4d5e6f</SubscriptionArn>` +
      '<Owner>123456789012</Owner><Endpoint>on-call@example.com</Endpoint></member></Subscriptions>' +
      `</ListSubscriptionsByTopicResult><ResponseMetadata><RequestId>${requestId}</RequestId></ResponseMetadata>` +
      '</ListSubscriptionsByTopicResponse>',
  };
}

export function awsQueryError(error: StubError, requestId: string): WireResponse {
  return {
    status: error.status,
    headers: { 'content-type': 'text/xml' },
    body:
      `<ErrorResponse xmlns="${SNS_XMLNS}"><Error><Type>${error.status >= 500 ? 'Receiver' : 'Sender'}</Type>` +
      `<Code>${escapeXml(error.code)}</Code><Message>${escapeXml(error.message)}</Message></Error>` +
      `<RequestId>${requestId}</RequestId></ErrorResponse>`,
  };
}

// -- Throttling, the way each service answers it ---------------------------------------------------------------------

/** The error each service answers a request over its rate with (HTTP 400; all are throttling codes the SDK retries). */
export function throttlingError(service: Service, dynamoDbCode: string): StubError {
  switch (service) {
    case 'guardduty':
      return new StubError('ThrottlingException', 'Rate exceeded');
    case 'sns':
      return new StubError('Throttled', 'Rate exceeded');
    case 'monitoring':
      return new StubError('Throttling', 'Rate exceeded');
    case 'dynamodb':
      return new StubError(
        dynamoDbCode,
        dynamoDbCode === 'ThrottlingException'
          ? 'Rate of requests exceeds the allowed throughput.'
          : 'The level of configured provisioned throughput for the table was exceeded.',
      );
  }
}
